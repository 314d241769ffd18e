import { useEffect, useRef, useState } from "react";
import { ApiError } from "../api/api-error";
import type { Provider } from "../api/types";
import { useApp } from "../shell/app-context";
import { ConfirmDialog } from "../threads/confirm-dialog";
import { providerActions } from "./use-providers";

interface InUse {
  detail: string;
  assistants: { assistant_id: string; name: string }[];
}

/** Delete, asked first; refused (409) while an assistant's latest version uses it, naming them. */
export function ProviderDelete({ provider, onDeleted }: { provider: Provider; onDeleted(): void }) {
  const { api } = useApp();
  const [confirming, setConfirming] = useState(false);
  const [inUse, setInUse] = useState<InUse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const said = useRef<HTMLDivElement>(null);
  // The answer appears below the fold of a long form: bring it into view (role=alert reads it out).
  useEffect(() => {
    if (inUse || error) said.current?.scrollIntoView({ block: "nearest" });
  }, [inUse, error]);
  const remove = async () => {
    setConfirming(false);
    setInUse(null);
    setError(null);
    try {
      await providerActions(api).remove(provider.provider_id);
      onDeleted();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && Array.isArray(err.problem.assistants)) {
        setInUse({ detail: err.message, assistants: err.problem.assistants as InUse["assistants"] });
      } else setError(`Delete failed: ${(err as Error).message}`);
    }
  };
  return (
    <div className="provider-delete" ref={said}>
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Delete provider
      </button>
      {inUse && (
        <div role="alert" className="in-use">
          <p className="error-text">
            Not deleted: {inUse.assistants.length === 1 ? "an assistant uses it. Move it" : `${inUse.assistants.length} assistants use it. Move them`} to another provider first (the Assistant tab's Model provider).
          </p>
          <ul aria-label="Assistants using this provider">
            {inUse.assistants.map((a) => (
              <li key={a.assistant_id}>
                {a.name} <code className="muted">{a.assistant_id}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Delete “${provider.name}”?`}
          text="Its key and its headers are deleted with it; this cannot be undone."
          confirm="Delete"
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </div>
  );
}
