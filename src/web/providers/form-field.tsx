import type { ReactNode } from "react";

/**
 * A labelled input with its help and its error, both tied to it for screen readers. The error reads
 * "Label: reason": the service's reasons are not all phrased to follow the field's name.
 */
export function FormField(props: { id: string; label: string; help?: ReactNode; error?: string; children: (aria: { id: string; "aria-describedby"?: string; "aria-invalid"?: true }) => ReactNode }) {
  const { id, help, error } = props;
  const described = [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className="schema-field">
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, "aria-describedby": described, "aria-invalid": error ? true : undefined })}
      {help && (
        <small id={`${id}-help`} className="muted">
          {help}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="error-text">
          {props.label}: {error}
        </small>
      )}
    </div>
  );
}
