import type { Provider } from "../api/types";
import type { KeyChange } from "./provider-draft";

/**
 * The write-only key: the service tells only whether one is set and its last four characters, so
 * the field offers to replace or remove it, never to show or edit it.
 */
export function ApiKeyField(props: { stored: Provider["api_key"] | null; change: KeyChange; error?: string; onChange(change: KeyChange): void }) {
  const { stored, change, error } = props;
  const keep = () => props.onChange({ action: "keep" });
  const input = (label: string) => (
    <>
      <label htmlFor="provider-api-key">{label}</label>
      <input
        id="provider-api-key"
        type="password"
        autoComplete="off"
        // Shown by "Replace key": the user is about to type the new one.
        autoFocus={Boolean(stored?.set)}
        spellCheck={false}
        value={change.action === "replace" ? change.value : ""}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "provider-api-key-error" : "provider-api-key-help"}
        onChange={(e) => props.onChange(e.target.value === "" && !stored?.set ? { action: "keep" } : { action: "replace", value: e.target.value })}
      />
    </>
  );
  return (
    <div className="schema-field api-key-field">
      {!stored?.set ? (
        input("API key")
      ) : change.action === "replace" ? (
        <>
          {input("New API key")}
          <button type="button" className="link-button" onClick={keep}>
            Keep the current key
          </button>
        </>
      ) : (
        <>
          <span className="field-label" id="provider-api-key-label">
            API key
          </span>
          <div className="key-state" role="group" aria-labelledby="provider-api-key-label">
            {change.action === "remove" ? <span className="warn-text">Removed when you save.</span> : <span>Set, ends in {stored.last4 ?? "…"}</span>}
            {change.action === "remove" ? (
              <button type="button" onClick={keep}>
                Undo
              </button>
            ) : (
              <>
                <button type="button" onClick={() => props.onChange({ action: "replace", value: "" })}>
                  Replace key
                </button>
                <button type="button" className="danger" onClick={() => props.onChange({ action: "remove" })}>
                  Remove key
                </button>
              </>
            )}
          </div>
        </>
      )}
      <small id="provider-api-key-help" className="muted">
        Write-only: stored encrypted, never shown again.
      </small>
      {error && (
        <small id="provider-api-key-error" className="error-text">
          API key: {error}
        </small>
      )}
    </div>
  );
}
