/**
 * The offline demo model: a deterministic OpenAI-compatible server so the service works end to end
 * (streaming, tools, approvals, memory, drafting) for someone without an API key.
 */
import {
  messageText, splitWords, startWireServer, writeStream, completionResponse, sendJson, embeddingResponse, wordHashEmbedding, type ChatRequest, type ModelReply,
} from "./openai-wire.js";

export const DEMO_MODEL_NAME = "threadloom-demo";

export interface DemoModel { baseURL: string; model: string; close(): Promise<void> }

const ARITHMETIC = /[(\d][\d\s.()+\-*/^%]*[\d)]/g;
const HAS_OPERATOR = /[\d)]\s*[-+*/^%]\s*[(\d]/;
const TIME_WORDS = /\b(time|date|clock|today|day is it)\b/i;
const DRAFTING = /\b(draft\w*|document\w*)\b/i;
const EMAIL_WORDS = /\b(e-?mail|mail|write to)\b/i;
const EMAIL_ADDRESS = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/;
const ABOUT_ITSELF = /\b(who|what) are you\b/i;
const PROMPT_WORDS = 20;
const REJECTED = /^The user rejected this call/;
const EDITED = /^The user edited the arguments before approving; .*? Result: /s;
const NOTE = "(I am the offline demo model: set OPENAI_API_KEY or OPENAI_BASE_URL to use a real one.)";

export async function startDemoModel(options: { tokenDelayMs?: number; port?: number } = {}): Promise<DemoModel> {
  const tokenDelayMs = options.tokenDelayMs ?? 20;
  const server = await startWireServer({
    model: DEMO_MODEL_NAME,
    port: options.port,
    onCompletion: async (body, _req, res) => {
      const reply = demoReply(body);
      if (body.stream) await writeStream(res, body, reply, DEMO_MODEL_NAME, { tokenDelayMs });
      else sendJson(res, 200, completionResponse(body, reply, DEMO_MODEL_NAME));
    },
    // Word-overlap vectors, so a store with `store.index` searches by meaning offline too (roughly).
    onEmbeddings: async (body, _req, res) => sendJson(res, 200, embeddingResponse(body, body.input.map((text) => wordHashEmbedding(text, body.dimensions)), body.model ?? DEMO_MODEL_NAME)),
  });
  return { ...server, model: DEMO_MODEL_NAME };
}

/** Decides the demo model's answer from the conversation alone, so replies are reproducible. */
export function demoReply(request: ChatRequest): ModelReply {
  const messages = request.messages;
  const offered = new Set((request.tools ?? []).map((t) => t?.function?.name));
  const users = messages.filter((m) => m?.role === "user").map((m) => messageText(m.content).trim());
  const last = users[users.length - 1] ?? "";
  const callId = `call_demo_${messages.length}`;

  if (messages[messages.length - 1]?.role === "tool") return text(toolResultSentence(messages));
  // Before arithmetic and time: "email bob@example.com about the 3pm meeting" is an e-mail.
  const address = EMAIL_WORDS.test(last) ? EMAIL_ADDRESS.exec(last)?.[0] : undefined;
  if (address && offered.has("send_email")) {
    return { tokens: [], toolCalls: [{ id: callId, name: "send_email", args: emailArgs(last, address) }] };
  }
  const expression = (last.match(ARITHMETIC) ?? []).find((e) => HAS_OPERATOR.test(e));
  if (expression && offered.has("calculator")) {
    return { tokens: [], toolCalls: [{ id: callId, name: "calculator", args: { expression: expression.trim() } }] };
  }
  if (TIME_WORDS.test(last) && offered.has("current_time")) {
    return { tokens: [], toolCalls: [{ id: callId, name: "current_time", args: {} }] };
  }
  const systems = messages.filter((m) => m?.role === "system" || m?.role === "developer").map((m) => messageText(m.content));
  // So that trying stored assistants shows something: each one's prompt is what sets it apart.
  if (ABOUT_ITSELF.test(last)) return text(`${promptSentence(systems[0] ?? "")} ${NOTE}`);
  if (DRAFTING.test(systems.join("\n"))) return text(draftDocument(last));
  let reply = `You said "${quote(last)}". This is turn ${users.length} of our conversation`;
  reply += users.length > 1 ? `; earlier you said "${quote(users[0])}".` : ".";
  return text(`${reply} ${NOTE}`);
}

function text(s: string): ModelReply {
  return { tokens: splitWords(s) };
}

function quote(s: string): string {
  const flat = s.replace(/\s+/g, " ");
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

function promptSentence(prompt: string): string {
  const words = prompt.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return "I was given no system prompt.";
  if (words.length <= PROMPT_WORDS) return `My system prompt says: "${words.join(" ")}"`;
  return `My system prompt begins: "${words.slice(0, PROMPT_WORDS).join(" ")}..."`;
}

/** Answers every trailing tool result, naming the tool from the assistant call that asked for it. */
function toolResultSentence(messages: any[]): string {
  let start = messages.length;
  while (start > 0 && messages[start - 1]?.role === "tool") start--;
  const calls = (messages[start - 1]?.tool_calls ?? []) as any[];
  return messages.slice(start).map((m) => {
    const result = messageText(m.content).trim();
    const call = calls.find((c) => c?.id === m.tool_call_id);
    const name = call?.function?.name ?? m.name ?? "tool";
    if (name === "calculator") {
      const expression = parseArgs(call?.function?.arguments).expression;
      return typeof expression === "string" ? `The calculator says ${expression} = ${result}.` : `The calculator says ${result}.`;
    }
    if (name === "current_time") return `The current time is ${result}.`;
    if (REJECTED.test(result)) return name === "send_email" ? "All right, I did not send the e-mail." : `All right, I did not run ${name}.`;
    if (name === "send_email" && EDITED.test(result)) return `Done, with your changes: ${result.replace(EDITED, "")}`;
    if (name === "send_email") return result.startsWith("Error") ? `I could not send the e-mail. ${result}` : `Done: ${result}`;
    return `The ${name} tool returned: ${result}.`;
  }).join(" ");
}

function parseArgs(json: unknown): Record<string, unknown> {
  try { return typeof json === "string" ? JSON.parse(json) : {}; } catch { return {}; }
}

/** "email bob@example.com about lunch" → to bob@example.com, subject "Lunch". */
function emailArgs(request: string, to: string): { to: string; subject: string; body: string } {
  const topic = /\babout\s+(.+?)[\s.?!]*$/is.exec(request)?.[1]?.replace(/\s+/g, " ");
  if (!topic) return { to, subject: "Hello", body: "Hi,\n\nI wanted to get in touch.\n\nBest regards" };
  const subject = quote(topic.charAt(0).toUpperCase() + topic.slice(1));
  return { to, subject, body: `Hi,\n\nI am writing about ${quote(topic)}.\n\nBest regards` };
}

function draftDocument(request: string): string {
  const topic = request.replace(/[\s.?!:]+$/, "") || "your request";
  const words = topic.split(/\s+/).slice(0, 8);
  const title = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
  return [
    `# ${title}`,
    "",
    `This is a first draft for: "${quote(topic)}". It sets out the goal, the main points and a next step, so it can be refined in later turns.`,
    "",
    `- Goal: explain the subject clearly and briefly.`,
    `- Main points: what it is, why it matters, and what to do about it.`,
    `- Next step: review this draft and ask for changes.`,
  ].join("\n");
}
