/** A tool call the run paused before, as OpenAI writes a call. */
export interface PendingToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** The extension field of a completion whose run paused for a human: where to answer, and what waits. */
export interface PausedRun {
  status: "interrupted";
  thread_id: string;
  pending_tool_calls: PendingToolCall[];
  /** The graph's pauses as the native `interrupt` events give them (any graph's, not only tool approvals). */
  interrupts: { id: string; value: unknown }[];
}

/**
 * The pause in OpenAI's terms: the calls waiting for approval, read from LangChain's standard
 * human-in-the-loop request (`action_requests`, what the chat graph's send_email sends), and a
 * short text for the completion, which is all a chat UI shows.
 */
export function pausedRun(threadId: string, interrupts: { id: string; value: unknown }[]): { run: PausedRun; text: string } {
  const pending = interrupts.flatMap(({ value }) => actionRequests(value));
  const names = [...new Set(pending.map((call) => call.function.name))];
  const what = names.length > 0 ? `${names.join(", ")} needs your approval before it runs` : "the assistant waits for your answer";
  const text = `Paused: ${what}. Answer it on thread ${threadId} (POST /api/chat with "resume", or threadloom's web page).`;
  return { run: { status: "interrupted", thread_id: threadId, pending_tool_calls: pending, interrupts }, text };
}

function actionRequests(value: unknown): PendingToolCall[] {
  const requests = (value as { action_requests?: unknown } | null)?.action_requests;
  if (!Array.isArray(requests)) return [];
  return requests.flatMap((r: { name?: unknown; args?: unknown; tool_call_id?: unknown }) =>
    typeof r?.name === "string" ? [{ id: String(r.tool_call_id ?? ""), type: "function" as const, function: { name: r.name, arguments: JSON.stringify(r.args ?? {}) } }] : [],
  );
}
