import { useState } from "react";
import type { Provider } from "../api/types";
import { ProviderDelete } from "./provider-delete";
import { ProviderForm } from "./provider-form";
import { ProviderTest } from "./provider-test";
import { useProviders } from "./use-providers";
import "./providers.css";

/**
 * The tenant's model providers: OpenAI-compatible servers its assistants can run on. A list, and
 * below it the chosen one's form, test and delete (or a new one's form).
 */
export function ProvidersPanel() {
  const { providers, error } = useProviders();
  const [chosen, setChosen] = useState<string | "new" | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const provider = providers?.find((p) => p.provider_id === chosen) ?? null;
  const choose = (id: string | "new" | null) => {
    setChosen(id);
    setMessage(null);
  };
  const saved = (p: Provider, text: string) => {
    setChosen(p.provider_id);
    setMessage(text);
  };
  return (
    <section className="providers-panel" aria-labelledby="providers-title">
      <div className="providers-head">
        <h2 id="providers-title">Model providers</h2>
        <button type="button" onClick={() => choose("new")} aria-pressed={chosen === "new"}>
          New provider
        </button>
      </div>
      <p className="muted">OpenAI-compatible servers for this tenant's assistants; without one, an assistant uses the environment's model server.</p>
      {error && (
        <p role="alert" className="error-text">
          Providers could not be loaded: {error}
        </p>
      )}
      {providers && providers.length === 0 && <p className="muted">No providers yet.</p>}
      {providers && providers.length > 0 && (
        <ul className="provider-list" aria-label="Providers">
          {providers.map((p) => (
            <li key={p.provider_id}>
              <button type="button" aria-current={p.provider_id === chosen ? "true" : undefined} onClick={() => choose(p.provider_id)}>
                <span className="provider-name">{p.name}</span>
                <span className="muted provider-url">{p.base_url}</span>
                <span className="muted provider-key">{p.api_key.set ? `key …${p.api_key.last4 ?? ""}` : "no key"}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {message && (
        <p role="status" className="saved">
          {message}
        </p>
      )}
      {(chosen === "new" || provider) && (
        <div className="provider-detail">
          <h3>{provider ? provider.name : "New provider"}</h3>
          <ProviderForm provider={provider} onSaved={saved} />
          {provider && (
            <>
              <ProviderTest key={`test-${provider.provider_id}`} provider={provider} />
              <ProviderDelete key={`delete-${provider.provider_id}`} provider={provider} onDeleted={() => (setChosen(null), setMessage(`Deleted “${provider.name}”.`))} />
            </>
          )}
        </div>
      )}
    </section>
  );
}
