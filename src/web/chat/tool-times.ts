import type { ToolTiming } from "./tool-card";

/** A `tasks` stream event: a node's task starting (with its input) or ending (with its result). */
export interface TaskEvent {
  id?: string;
  name?: string;
  input?: { messages?: { type?: string; tool_calls?: { id?: string }[] }[] } | null;
  result?: { messages?: { type?: string; tool_call_id?: string }[] } | null;
  error?: unknown;
}

/**
 * Tool timings from the `tasks` stream, which every LangGraph server sends (the `tools` mode is not
 * everywhere): a task whose input ends with the model's tool calls runs them, so they start with it;
 * each tool message in a task's result ends its call.
 */
export function toolTimesFromTask(times: Record<string, ToolTiming>, task: TaskEvent, now: number): Record<string, ToolTiming> {
  let next = times;
  if ("result" in task || "error" in task) {
    const results = Array.isArray(task.result?.messages) ? task.result.messages : [];
    for (const m of results) {
      const id = m?.type === "tool" ? m.tool_call_id : undefined;
      if (id && next[id] && next[id].end === undefined) next = { ...next, [id]: { ...next[id], end: now } };
    }
    return next;
  }
  const last = Array.isArray(task.input?.messages) ? task.input.messages.at(-1) : undefined;
  if (last?.type !== "ai") return times;
  for (const call of last.tool_calls ?? []) {
    if (call.id && !next[call.id]) next = { ...next, [call.id]: { start: now } };
  }
  return next;
}
