import { z } from "zod";
import { AppError } from "../errors.js";
import { nativeThreadId } from "./native-thread-id.js";
import { containsNul, validate } from "./validate.js";

/** What one `useChat` request asks threadloom to run (the thread's state holds the rest). */
export type UiChatTurn =
  /**
   * A new user message. `edit` is the user message it replaces (`sendMessage({ messageId })`): its id,
   * and its place among the conversation's user messages (0 = the first).
   */
  | { kind: "message"; text: string; edit?: { id: string; ordinal: number } }
  /** The reply `replyId` again (or the thread's last one), from the checkpoint before it. */
  | { kind: "regenerate"; replyId?: string }
  /** The decisions on the paused calls, continuing the reply `replyId`. */
  | { kind: "resume"; decisions: Decision[]; replyId: string };

export type Decision = { type: "approve" } | { type: "reject"; message?: string };

export interface UiChatRequest {
  threadId: string;
  assistantId?: string;
  onDisconnect: "continue" | "cancel";
  turn: UiChatTurn;
}

const text = z.string().max(200).refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters");
// A UI message as `ai` 6 sends it: only what is read here is checked; parts carry many more fields.
const part = z.looseObject({ type: z.string() });
const uiMessage = z.looseObject({ id: text, role: z.enum(["system", "user", "assistant"]), parts: z.array(part) });

/** `DefaultChatTransport`'s body: `{id, messages, trigger, messageId}` plus our own fields. */
export const uiChatBody = z.strictObject({
  id: nativeThreadId(),
  messages: z.array(uiMessage).min(1, "must hold at least the new message"),
  trigger: z.enum(["submit-message", "regenerate-message"]),
  messageId: text.optional(),
  assistant_id: text.min(1).optional(),
  on_disconnect: z.enum(["continue", "cancel"]).default("cancel"),
});

/** Reads the turn a `useChat` request asks for (see `uiChatBody`). */
export function readUiChatRequest(body: unknown, maxMessageChars: number): UiChatRequest {
  const request = validate(uiChatBody, body);
  const common = { threadId: request.id, assistantId: request.assistant_id, onDisconnect: request.on_disconnect };
  if (request.trigger === "regenerate-message") return { ...common, turn: { kind: "regenerate", replyId: request.messageId } };
  const index = request.messages.length - 1;
  const last = request.messages[index]!;
  if (last.role === "assistant") return { ...common, turn: { kind: "resume", decisions: readDecisions(last.parts, index), replyId: last.id } };
  if (last.role !== "user") throw invalid(`messages.${index}.role`, "the last message must be the user's new message, or the reply with your approval responses");
  const content = last.parts.flatMap((p) => (p.type === "text" && typeof p.text === "string" ? [p.text] : [])).join("\n");
  const field = `messages.${index}.parts`;
  if (content.trim() === "") throw invalid(field, "must hold a text part that is not empty");
  if (content.length > maxMessageChars) throw invalid(field, `its text must be at most ${maxMessageChars} characters`);
  if (containsNul(content)) throw invalid(field, "must not contain NUL (U+0000) characters");
  // With messageId, useChat replaced that user message (and dropped what followed): an edit.
  const ordinal = request.messages.filter((m) => m.role === "user").length - 1;
  return { ...common, turn: { kind: "message", text: content, ...(request.messageId !== undefined && { edit: { id: request.messageId, ordinal } }) } };
}

/** The answers `addToolApprovalResponse` put on the reply's paused calls, in the order of the calls. */
function readDecisions(parts: z.infer<typeof part>[], index: number): Decision[] {
  const decisions: Decision[] = [];
  parts.forEach((p, i) => {
    if (p.state !== "approval-responded") return;
    const approval = p.approval as { approved?: unknown; reason?: unknown } | undefined;
    const field = `messages.${index}.parts.${i}.approval`;
    if (typeof approval?.approved !== "boolean") throw invalid(`${field}.approved`, "must be true or false");
    if (approval.reason !== undefined && (typeof approval.reason !== "string" || approval.reason.length > 10_000 || containsNul(approval.reason))) {
      throw invalid(`${field}.reason`, "must be a string of at most 10000 characters");
    }
    decisions.push(approval.approved ? { type: "approve" } : { type: "reject", ...(approval.reason ? { message: approval.reason } : {}) });
  });
  if (decisions.length === 0) throw invalid(`messages.${index}.parts`, "the last message is the assistant's, with no tool part in state approval-responded: nothing to send");
  return decisions;
}

function invalid(name: string, reason: string): AppError {
  return new AppError("invalid_request", `Invalid body: ${name}: ${reason}`, { fields: [{ name, reason }] });
}
