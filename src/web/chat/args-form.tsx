import { useState } from "react";
import type { JsonSchema } from "./hitl-types";

type Field = { name: string; kind: "string" | "number" | "boolean" | "json"; schema: JsonSchema; required: boolean };

function kindOf(schema: JsonSchema | undefined, value: unknown): Field["kind"] {
  const type = Array.isArray(schema?.type) ? schema.type.find((t) => t !== "null") : schema?.type;
  if (type === "string" || type === "number" || type === "integer" || type === "boolean") return type === "integer" ? "number" : type;
  if (type) return "json";
  return typeof value === "string" ? "string" : typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "json";
}

function fieldsOf(schema: JsonSchema | undefined, args: Record<string, unknown>): Field[] {
  const names = [...new Set([...Object.keys(schema?.properties ?? {}), ...Object.keys(args)])];
  return names.map((name) => ({ name, kind: kindOf(schema?.properties?.[name], args[name]), schema: schema?.properties?.[name] ?? {}, required: schema?.required?.includes(name) ?? false }));
}

function initialText(field: Field, value: unknown): string {
  if (value === undefined) return "";
  if (field.kind === "json") return JSON.stringify(value, null, 2);
  return String(value);
}

/** A form over a tool call's arguments, drawn from its schema: text, number and checkbox fields, JSON for the rest. */
export function ArgsForm({ schema, args, submitLabel, onSubmit, onCancel }: { schema?: JsonSchema; args: Record<string, unknown>; submitLabel: string; onSubmit(args: Record<string, unknown>): void; onCancel(): void }) {
  const fields = fieldsOf(schema, args);
  const [values, setValues] = useState<Record<string, string | boolean>>(() =>
    Object.fromEntries(fields.map((f) => [f.name, f.kind === "boolean" ? Boolean(args[f.name]) : initialText(f, args[f.name])])),
  );
  const [error, setError] = useState<string | null>(null);

  function collect(): Record<string, unknown> | null {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const raw = values[f.name];
      if (f.kind === "boolean") out[f.name] = raw;
      else if (typeof raw === "string" && raw === "" && !f.required) continue;
      else if (f.kind === "number") {
        const n = Number(raw);
        if (raw === "" || Number.isNaN(n)) return setError(`${f.name}: a number`), null;
        out[f.name] = n;
      } else if (f.kind === "json") {
        try {
          out[f.name] = JSON.parse(String(raw));
        } catch {
          return setError(`${f.name}: not JSON`), null;
        }
      } else out[f.name] = raw;
    }
    return out;
  }

  return (
    <form
      className="args-form"
      aria-label="Edit arguments"
      onSubmit={(e) => {
        e.preventDefault();
        const next = collect();
        if (next) onSubmit(next);
      }}
    >
      {fields.map((f) => {
        const id = `arg-${f.name}`;
        const value = values[f.name];
        const set = (v: string | boolean) => setValues((all) => ({ ...all, [f.name]: v }));
        return (
          <label key={f.name} htmlFor={id} className={f.kind === "boolean" ? "check" : undefined}>
            <span>
              {f.name}
              {f.required ? " *" : ""}
              {f.schema.description ? <small className="muted"> {f.schema.description}</small> : null}
            </span>
            {f.kind === "boolean" ? (
              <input id={id} type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked)} />
            ) : f.kind === "number" ? (
              <input id={id} type="number" step="any" value={String(value)} required={f.required} onChange={(e) => set(e.target.value)} />
            ) : f.kind === "json" || String(value).length > 60 || String(value).includes("\n") ? (
              <textarea id={id} className={f.kind === "json" ? "mono" : undefined} rows={4} value={String(value)} required={f.required} onChange={(e) => set(e.target.value)} />
            ) : (
              <input id={id} type="text" value={String(value)} required={f.required} onChange={(e) => set(e.target.value)} />
            )}
          </label>
        );
      })}
      {error && <p className="error-text" role="alert">{error}</p>}
      <div className="row-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary">
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
