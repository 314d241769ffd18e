import { useState, type FormEvent } from "react";
import { useApp } from "./app-context";

/** Asked once, after the service answered 401: the key is kept in this tab's session storage. */
export function ApiKeyDialog() {
  const { needsKey, apiKey, setApiKey } = useApp();
  const [value, setValue] = useState("");
  if (!needsKey) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) setApiKey(value.trim());
  };
  return (
    <div className="modal-backdrop">
      <form className="modal" role="dialog" aria-modal="true" aria-labelledby="api-key-title" onSubmit={submit}>
        <h2 id="api-key-title">API key</h2>
        <p>{apiKey ? "The service did not accept this key." : "This service asks for an API key."} It is kept in this tab only, until you close it.</p>
        <label>
          Key
          <input type="password" autoComplete="off" autoFocus value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
        <div className="modal-actions">
          <button type="submit" className="primary" disabled={!value.trim()}>
            Use this key
          </button>
        </div>
      </form>
    </div>
  );
}
