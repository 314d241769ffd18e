import { useEffect, useRef, useState, type FormEvent } from "react";
import type { Provider, ProviderTestResult } from "../api/types";
import { useApp } from "../shell/app-context";
import { providerActions } from "./use-providers";
import { testSummary } from "./test-summary";

/** "Test": one tiny request to the provider (its model list and a one-token reply), and what it found. */
export function ProviderTest({ provider }: { provider: Provider }) {
  const { api } = useApp();
  const [model, setModel] = useState("");
  const [result, setResult] = useState<ProviderTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  const answer = useRef<HTMLDivElement>(null);
  // The result appears at the foot of a long form: bring it into view (the live region reads it out).
  useEffect(() => {
    if (result || error) answer.current?.scrollIntoView({ block: "nearest" });
  }, [result, error]);
  const run = async (e: FormEvent) => {
    e.preventDefault();
    setTesting(true);
    setResult(null);
    setError(null);
    try {
      setResult(await providerActions(api).test(provider.provider_id, model.trim() || undefined));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setTesting(false);
    }
  };
  const summary = result && testSummary(result);
  return (
    <form className="provider-test" aria-label="Test the provider" aria-describedby="provider-test-help" onSubmit={run}>
      <p id="provider-test-help" className="muted">
        Test: asks for its list of models, then for a one-token reply from the model.
      </p>
      <div className="row-actions">
        <input aria-label="Model to test" placeholder={provider.default_model ? `model (default: ${provider.default_model})` : "model (optional)"} value={model} onChange={(e) => setModel(e.target.value)} />
        <button type="submit" disabled={testing}>
          {testing ? "Testing…" : "Test"}
        </button>
      </div>
      <div role="status" aria-live="polite" ref={answer}>
        {summary && (
          <div className={`test-result ${result.ok ? "ok" : "failed"}`}>
            <strong>{summary.headline}</strong>
            <span className="muted"> · {summary.facts.join(" · ")}</span>
            {result.detail && <p>{result.detail}</p>}
            {result.models && result.models.length > 0 && (
              <details>
                <summary>{result.models.length === 1 ? "1 model" : `${result.models.length} models`}</summary>
                <ul>
                  {result.models.map((m) => (
                    <li key={m}>
                      <code>{m}</code>
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </div>
        )}
        {error && <p className="error-text">Test failed: {error}</p>}
      </div>
    </form>
  );
}
