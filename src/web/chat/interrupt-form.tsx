import { useState } from "react";

/** Any other `interrupt()` value: shown as JSON; the answer is JSON too, checked before it is sent. */
export function InterruptForm({ value, busy, onResume }: { value: unknown; busy: boolean; onResume(resume: unknown): void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="interrupt-form"
      aria-label="Answer the graph"
      onSubmit={(e) => {
        e.preventDefault();
        try {
          const answer = JSON.parse(text);
          setError(null);
          onResume(answer);
        } catch (err) {
          setError(`Not JSON: ${(err as Error).message}`);
        }
      }}
    >
      <pre className="tool-args" aria-label="Interrupt value">{JSON.stringify(value, null, 2)}</pre>
      <label>
        <span>Your answer (JSON)</span>
        <textarea aria-label="Answer (JSON)" className="mono" rows={3} value={text} onChange={(e) => setText(e.target.value)} placeholder='"yes", 42, {"approved": true}' aria-invalid={error ? true : undefined} />
      </label>
      {error && <p className="error-text" role="alert">{error}</p>}
      <div className="row-actions">
        <button type="submit" className="primary" disabled={busy || !text.trim()}>
          Resume
        </button>
      </div>
    </form>
  );
}
