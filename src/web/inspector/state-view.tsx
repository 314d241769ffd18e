import type { CheckpointState, StateMessage } from "./use-checkpoint-state";

/** A checkpoint's state: messages compactly (role + first line), other values as JSON. */
export function StateView({ state }: { state: CheckpointState }) {
  const { messages, ...others } = state.values;
  return (
    <section className="state-view" aria-label="State">
      <p className="muted">
        Next: {state.next.length ? state.next.join(", ") : "nothing (the run ended here)"}
        {state.interrupts.length > 0 && ` · paused: ${state.interrupts.length} interrupt${state.interrupts.length > 1 ? "s" : ""}`}
      </p>
      {messages.length > 0 && (
        <ol className="state-messages" aria-label="Messages">
          {messages.map((m, i) => (
            <li key={m.id ?? i}>
              <span className={`role role-${roleOf(m)}`}>{roleOf(m)}</span> {firstLine(m)}
            </li>
          ))}
        </ol>
      )}
      <pre className="state-json" aria-label="Values">{JSON.stringify(others, null, 2)}</pre>
      {state.interrupts.length > 0 && <pre className="state-json" aria-label="Interrupts">{JSON.stringify(state.interrupts, null, 2)}</pre>}
    </section>
  );
}

export function roleOf(m: StateMessage): string {
  const kind = m.role ?? m.type ?? "message";
  return ({ human: "user", ai: "assistant" } as Record<string, string>)[kind] ?? kind;
}

/** The first line of a message's text, or its tool calls when it has no text. */
export function firstLine(m: StateMessage, max = 120): string {
  const text = typeof m.content === "string" ? m.content : Array.isArray(m.content) ? m.content.map((p) => (typeof p === "string" ? p : ((p as { text?: string }).text ?? ""))).join("") : "";
  const line = text.split("\n").find((l) => l.trim()) ?? "";
  const calls = m.tool_calls?.length ? `→ ${m.tool_calls.map((c) => c.name).join(", ")}` : "";
  const shown = [line.trim(), calls].filter(Boolean).join(" ");
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}
