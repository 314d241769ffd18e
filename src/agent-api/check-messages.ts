import type { z } from "zod";

type Path = (string | number)[];

/** Message types LangChain turns into a message (`role` takes the same names); `remove` deletes one by id. */
const TYPES = new Set(["human", "user", "ai", "assistant", "system", "developer", "tool", "remove"]);
/** LangChain's serialised classes (`{"lc": 1, "type": "constructor", "id": [..., "HumanMessage"]}`). */
const CLASSES = new Set(["HumanMessage", "AIMessage", "SystemMessage", "ToolMessage", "HumanMessageChunk", "AIMessageChunk", "SystemMessageChunk", "ToolMessageChunk"]);
/** Content blocks LangChain and the model providers know (standard blocks and the providers' own). */
const PART_TYPES = new Set([
  "text", "image_url", "image", "audio", "input_audio", "video", "file", "text-plain", "document", "reasoning", "thinking",
  "redacted_thinking", "tool_call", "tool_call_chunk", "invalid_tool_call", "tool_use", "tool_result", "server_tool_call",
  "server_tool_call_chunk", "server_tool_call_result", "non_standard",
]);
const MESSAGE = 'must be a message: a string, or an object with "type" (or "role") and "content"';
const CONTENT = 'must be a string or an array of content parts such as {"type": "text", "text": "…"}';

/**
 * Refines a state update (run input, `command.update`, `POST /threads/:id/state` values): when it
 * writes the `messages` channel, each message must be one LangChain can build and the model can be
 * sent, or the request is a 400 naming the field (`input.messages.0.content`). Checked here because
 * a bad message otherwise fails only later, inside the run or the mirror, with a TypeError.
 */
export function checkStateMessages(update: unknown, ctx: z.RefinementCtx): void {
  if (Array.isArray(update)) {
    // `command.update` as a list of [channel, value] pairs.
    update.forEach((pair, i) => {
      if (Array.isArray(pair) && pair[0] === "messages") report(ctx, [i, 1], pair[1]);
    });
  } else if (update !== null && typeof update === "object" && "messages" in update) {
    report(ctx, ["messages"], (update as { messages: unknown }).messages);
  }
}

function report(ctx: z.RefinementCtx, path: Path, messages: unknown): void {
  for (const problem of messagesProblems(messages, path)) ctx.addIssue({ code: "custom", path: problem.path, message: problem.reason });
}

/** What is wrong with a value for the `messages` channel (one message or a list of them); empty if nothing. */
export function messagesProblems(value: unknown, path: Path = []): { path: Path; reason: string }[] {
  if (Array.isArray(value) && !isTuple(value)) return value.flatMap((message, i) => messageProblems(message, [...path, i]));
  return messageProblems(value, path);
}

/** A `[type, content]` pair, as LangChain accepts a message. */
function isTuple(value: unknown[]): boolean {
  return value.length === 2 && typeof value[0] === "string" && TYPES.has(value[0]);
}

function messageProblems(message: unknown, path: Path): { path: Path; reason: string }[] {
  if (typeof message === "string") return [];
  if (Array.isArray(message)) {
    if (!isTuple(message)) return [{ path, reason: MESSAGE }];
    return contentProblems(message[1], [...path, 1]);
  }
  if (message === null || typeof message !== "object") return [{ path, reason: MESSAGE }];
  const m = message as Record<string, unknown>;
  if (m.lc === 1 && m.type === "constructor") {
    const name = Array.isArray(m.id) ? m.id.at(-1) : undefined;
    if (typeof name !== "string" || !CLASSES.has(name)) return [{ path: [...path, "id"], reason: `must name one of ${[...CLASSES].join(", ")}` }];
    const type = name.startsWith("Human") ? "human" : name.startsWith("AI") ? "ai" : name.startsWith("System") ? "system" : "tool";
    return fieldProblems(type, (m.kwargs ?? {}) as Record<string, unknown>, [...path, "kwargs"]);
  }
  const key = "role" in m ? "role" : "type";
  const type = m[key];
  if (typeof type !== "string" || !TYPES.has(type)) return [{ path: [...path, key], reason: `must be one of ${[...TYPES].join(", ")}` }];
  return fieldProblems(type, m, path);
}

function fieldProblems(type: string, m: Record<string, unknown>, path: Path): { path: Path; reason: string }[] {
  const problems = m.content === undefined ? [] : contentProblems(m.content, [...path, "content"]);
  const text = (key: string, required: boolean) => {
    const absent = m[key] === undefined || m[key] === null;
    if (absent ? required : typeof m[key] !== "string" || m[key] === "") {
      problems.push({ path: [...path, key], reason: required ? "is required: a non-empty string" : "must be a non-empty string" });
    }
  };
  text("id", type === "remove");
  text("name", false);
  if (type === "tool") text("tool_call_id", true);
  for (const key of ["additional_kwargs", "response_metadata"]) {
    if (m[key] !== undefined && (m[key] === null || typeof m[key] !== "object" || Array.isArray(m[key]))) problems.push({ path: [...path, key], reason: "must be an object" });
  }
  if ((type === "ai" || type === "assistant") && m.tool_calls !== undefined) {
    if (!Array.isArray(m.tool_calls)) problems.push({ path: [...path, "tool_calls"], reason: "must be an array of tool calls" });
    else m.tool_calls.forEach((call, i) => problems.push(...toolCallProblems(call, [...path, "tool_calls", i])));
  }
  return problems;
}

function contentProblems(content: unknown, path: Path): { path: Path; reason: string }[] {
  if (typeof content === "string") return [];
  if (!Array.isArray(content)) return [{ path, reason: CONTENT }];
  return content.flatMap((part, i) => {
    const at = [...path, i];
    if (part === null || typeof part !== "object" || Array.isArray(part)) return [{ path: at, reason: 'must be a content part: an object with a "type"' }];
    const { type, text } = part as { type?: unknown; text?: unknown };
    if (typeof type !== "string" || !PART_TYPES.has(type)) return [{ path: [...at, "type"], reason: `must be a known content part type, such as text or image_url` }];
    if (type === "text" && typeof text !== "string") return [{ path: [...at, "text"], reason: "must be a string" }];
    return [];
  });
}

/** A tool call as LangChain's own (`{name, args, id}`) or OpenAI's (`{id, type: "function", function: {name, arguments}}`). */
function toolCallProblems(call: unknown, path: Path): { path: Path; reason: string }[] {
  if (call === null || typeof call !== "object" || Array.isArray(call)) return [{ path, reason: 'must be a tool call: {"name", "args", "id"}' }];
  const c = call as Record<string, unknown>;
  const fn = c.function as Record<string, unknown> | undefined;
  if (fn !== undefined) return fn !== null && typeof fn === "object" && typeof fn.name === "string" ? [] : [{ path: [...path, "function", "name"], reason: "must be a string" }];
  if (typeof c.name !== "string" || c.name === "") return [{ path: [...path, "name"], reason: "is required: a non-empty string" }];
  if (c.args !== undefined && (c.args === null || typeof c.args !== "object" || Array.isArray(c.args))) return [{ path: [...path, "args"], reason: "must be an object" }];
  if (c.id !== undefined && c.id !== null && typeof c.id !== "string") return [{ path: [...path, "id"], reason: "must be a string" }];
  return [];
}
