import { useRef, useState } from "react";

interface ComposerProps {
  running: boolean;
  /** The thread is paused for a decision: new messages wait for it. */
  paused: boolean;
  /** The graph keeps no messages: the input is the run's JSON input. */
  jsonInput: boolean;
  onSend(text: string): void;
  onSendJson(input: unknown): void;
  onStop(): void;
}

/** Enter sends, Shift+Enter is a new line, Esc stops the run. A graph without messages takes JSON. */
export function Composer({ running, paused, jsonInput, onSend, onSendJson, onStop }: ComposerProps) {
  const [text, setText] = useState("");
  const [jsonError, setJsonError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const blocked = running || paused;

  function send() {
    if (blocked) return;
    if (jsonInput) {
      let input: unknown;
      try {
        input = text.trim() ? JSON.parse(text) : {};
      } catch (err) {
        setJsonError(`Not JSON: ${(err as Error).message}`);
        return;
      }
      setJsonError(null);
      onSendJson(input);
      return;
    }
    if (!text.trim()) return;
    onSend(text);
    setText("");
  }

  return (
    <form
      className="composer"
      aria-label={jsonInput ? "Run input" : "Message"}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <textarea
        ref={area}
        aria-label={jsonInput ? "Run input (JSON)" : "Message"}
        placeholder={paused ? "Decide on the pending request above first" : jsonInput ? '{"count": 1}  (Ctrl+Enter runs)' : "Message (Enter sends)"}
        title={jsonInput ? "Ctrl+Enter runs" : "Enter sends, Shift+Enter is a new line, Esc stops a run"}
        className={jsonInput ? "mono" : undefined}
        rows={jsonInput ? 4 : Math.min(8, Math.max(1, text.split("\n").length))}
        value={text}
        aria-invalid={jsonError ? true : undefined}
        aria-describedby={jsonError ? "composer-error" : undefined}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && running) {
            e.preventDefault();
            onStop();
          } else if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing && (!jsonInput || e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            send();
          }
        }}
      />
      {running ? (
        <button type="button" className="danger" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" className="primary" disabled={blocked || (!jsonInput && !text.trim())}>
          {jsonInput ? "Run" : "Send"}
        </button>
      )}
      {jsonError && (
        <p id="composer-error" className="error-text composer-error" role="alert">
          {jsonError}
        </p>
      )}
    </form>
  );
}
