import type { MockReply, MockRequest } from "./mock-openai.js";

export const EMAIL = { to: "bob@example.com", subject: "Lunch", body: "Noon?" };
/** A reply slow enough (over a second) to be stopped or dropped midway. */
export const STORY = "and then ".repeat(60).trimEnd();

/**
 * The model of the useChat tests: asked to e-mail it calls send_email, to calculate the calculator; a
 * tool's result it quotes back; a "story" is STORY; anything else a greeting numbered by request (so a
 * regenerated reply differs).
 */
export function uiChatModel(req: MockRequest): MockReply {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: `noted: ${last.content}` };
  const said = String(last?.content);
  if (/email/.test(said)) return { toolCalls: [{ name: "send_email", args: EMAIL }] };
  if (/calc/.test(said)) return { toolCalls: [{ name: "calculator", args: { expression: "6 * 7" } }] };
  if (/story/.test(said)) return { text: STORY, tokenDelayMs: 20 };
  return { text: `hello number ${req.index}` };
}
