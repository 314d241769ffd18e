import { AppError, type InvalidField } from "../errors.js";
import type { CompletionMessage } from "./completion-request.js";

/** A message as the graph's conversation takes it. */
export interface ConversationMessage {
  role: "user" | "assistant" | "system";
  content: string;
}

/**
 * The request's messages as the graph's conversation: system and developer messages as system
 * messages, text only. What the graph could not take as the client meant it is refused, naming the
 * message: tool calls and tool results (the graph runs its own tools), images and audio. The last
 * message must be the user's: it is the turn to run.
 */
export function toConversation(messages: CompletionMessage[], maxChars: number): ConversationMessage[] {
  const conversation = messages.map((m, i) => toMessage(m, `messages.${i}`, maxChars));
  const last = conversation.at(-1)!;
  if (last.role !== "user" || last.content.trim() === "") {
    throw invalid({ name: `messages.${messages.length - 1}`, reason: "the last message must be the user's, with text: it is the turn to run" });
  }
  return conversation;
}

function toMessage(message: CompletionMessage, at: string, maxChars: number): ConversationMessage {
  if (message.role === "tool" || message.role === "function") {
    throw invalid({ name: `${at}.role`, reason: "tool results are not accepted: the assistant's graph runs its tools itself" });
  }
  const calls = (message as { tool_calls?: unknown }).tool_calls ?? (message as { function_call?: unknown }).function_call;
  if (calls !== undefined && calls !== null && !(Array.isArray(calls) && calls.length === 0)) {
    throw invalid({ name: `${at}.tool_calls`, reason: "tool calls are not accepted: the assistant's graph runs its tools itself" });
  }
  const content = textOf(message.content, `${at}.content`);
  if (content.length > maxChars) throw invalid({ name: `${at}.content`, reason: `must be at most ${maxChars} characters` });
  const role = message.role === "developer" ? "system" : message.role;
  return { role, content };
}

function textOf(content: CompletionMessage["content"], at: string): string {
  if (typeof content === "string") return content;
  if (!content) return "";
  return content
    .map((part, j) => {
      if (part.type !== "text" || typeof part.text !== "string") throw invalid({ name: `${at}.${j}`, reason: `only text parts are accepted, not ${part.type}` });
      return part.text;
    })
    .join("\n");
}

function invalid(field: InvalidField): AppError {
  return new AppError("invalid_request", `Invalid body: ${field.name}: ${field.reason}`, { fields: [field] });
}
