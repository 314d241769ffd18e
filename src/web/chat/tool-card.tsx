import type { ToolCall } from "../api/types";
import type { ViewMessage } from "./view-message";

export type ToolCallState = "running" | "done" | "error" | "awaiting-approval" | "not-run";

/** Milliseconds a tool ran, as this page saw it (the `tools` stream's start and end). */
export interface ToolTiming {
  start: number;
  end?: number;
}

function pretty(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

/** A tool call: its name and arguments; a spinner while it runs; then its duration and result (collapsible). */
export function ToolCard({ call, result, state, timing }: { call: ToolCall; result?: ViewMessage; state: ToolCallState; timing?: ToolTiming }) {
  const ms = timing?.end !== undefined ? Math.round(timing.end - timing.start) : null;
  const failed = state === "error" || result?.mirror?.status === "error";
  return (
    <div className={`tool-card${failed ? " failed" : ""}`} role="group" aria-label={`Tool call ${call.name}`}>
      <div className="tool-head">
        <span className="tool-name">{call.name}</span>
        {state === "running" && <span className="spinner" role="status" aria-label="running" />}
        {state === "awaiting-approval" && <span className="tool-badge warn">waiting for approval</span>}
        {state === "not-run" && <span className="tool-badge">no result</span>}
        {state === "done" && <span className="tool-badge ok">{failed ? "failed" : "done"}{ms !== null ? ` · ${ms} ms` : ""}</span>}
      </div>
      <pre className="tool-args" aria-label="Arguments">{JSON.stringify(call.args, null, 2)}</pre>
      {result && (
        <details className="tool-result">
          <summary>Result</summary>
          <pre>{pretty(result.content)}</pre>
        </details>
      )}
    </div>
  );
}
