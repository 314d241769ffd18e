import type { SchemaField as Field } from "./schema-fields";

/** One setting's input, its help text and its error, all tied to it for screen readers. */
export function SchemaField(props: { field: Field; idPrefix: string; draft: string | boolean | undefined; error?: string; onChange(draft: string | boolean | undefined): void }) {
  const { field, draft, error } = props;
  const id = `${props.idPrefix}-${field.key}`;
  const described = [field.description ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const common = { id, "aria-describedby": described, "aria-invalid": error ? true : undefined };
  const placeholder = field.default === undefined ? "default" : `default: ${typeof field.default === "string" ? field.default : JSON.stringify(field.default)}`;
  const text = typeof draft === "string" ? draft : "";
  let input;
  switch (field.kind) {
    case "boolean":
      input = <input {...common} type="checkbox" checked={draft === true || (draft === undefined && field.default === true)} onChange={(e) => props.onChange(e.target.checked)} />;
      break;
    case "enum":
      input = (
        <select {...common} value={text} onChange={(e) => props.onChange(e.target.value || undefined)}>
          <option value="">{placeholder}</option>
          {field.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    case "number":
    case "integer":
      input = (
        <input {...common} type="number" inputMode="decimal" step={field.kind === "integer" ? 1 : "any"} min={field.minimum ?? undefined} max={field.maximum ?? undefined} placeholder={placeholder} value={text} onChange={(e) => props.onChange(e.target.value)} />
      );
      break;
    case "text":
    case "json":
      input = <textarea {...common} rows={field.kind === "json" ? 4 : 5} spellCheck={field.kind === "text"} className={field.kind === "json" ? "json-input" : undefined} placeholder={field.kind === "json" ? `${placeholder} (JSON)` : placeholder} value={text} onChange={(e) => props.onChange(e.target.value)} />;
      break;
    default:
      input = <input {...common} type="text" placeholder={placeholder} value={text} onChange={(e) => props.onChange(e.target.value)} />;
  }
  const range = field.minimum !== null || field.maximum !== null ? ` (${field.minimum ?? "…"} to ${field.maximum ?? "…"})` : "";
  return (
    <div className={`schema-field kind-${field.kind}`}>
      <label htmlFor={id}>
        {field.label}
        {range && <span className="muted">{range}</span>}
      </label>
      {input}
      {field.description && (
        <small id={`${id}-help`} className="muted">
          {field.description}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="error-text">
          {field.label} {error}
        </small>
      )}
    </div>
  );
}
