/**
 * The benchmark's model: the test mock (same wire format as the demo model) in a process of its
 * own, so its timers and writes never compete with the service's or the load generator's event loop.
 *
 *   node --import tsx test/bench/mock-model-server.ts [tokens=32] [delayMs=2] [hostileTokens=tokens] [--tools]
 *
 * With `--tools` (the long-thread part) every turn is a tool-calling turn: asked by the user, it calls
 * the chat graph's `calculator`; given the tool's result, it streams the text reply.
 * A request whose last message starts with `hostile` (test/helpers/hostile-clients.ts, in the bench's
 * hostile part) gets `hostileTokens` tokens instead: a long reply for clients that read slowly or leave.
 * Prints one JSON line `{"url": "<baseURL>"}` when ready; stops on SIGTERM or SIGINT.
 * For each request whose last message ends in `[key]`, prints `ARRIVAL <key> <epoch ms>`: the load
 * generator uses it to split the service's time to first token into before and after the model call.
 */
import { startMockOpenAI } from "../helpers/mock-openai.js";

const tools = process.argv.includes("--tools");
const [tokenArg, delayArg, hostileArg] = process.argv.slice(2).filter((a) => a !== "--tools");
const tokenCount = Number(tokenArg ?? 32);
const tokenDelayMs = Number(delayArg ?? 2);
const hostileTokenCount = Number(hostileArg ?? tokenCount);
// Short words with their trailing space, like a typical English BPE token.
const words = (count: number) => Array.from({ length: count }, (_, i) => `w${i} `);

const reply = { tokens: words(tokenCount), tokenDelayMs };
const hostileReply = { tokens: words(hostileTokenCount), tokenDelayMs };
let calls = 0;
const mock = await startMockOpenAI((request) => {
  const said = String(request.messages.at(-1)?.content ?? "");
  const key = /\[(\d+)\]$/.exec(said)?.[1];
  if (key) process.stdout.write(`ARRIVAL ${key} ${(performance.timeOrigin + performance.now()).toFixed(3)}\n`);
  // A fresh expression each turn, so that no two tool calls (or results) are the same bytes.
  if (tools && request.messages.at(-1)?.role !== "tool") return { tokens: [], toolCalls: [{ name: "calculator", args: { expression: `${++calls} * 7` } }] };
  return said.startsWith("hostile") ? hostileReply : reply;
});
process.stdout.write(`${JSON.stringify({ url: mock.baseURL })}\n`);

const stop = async () => {
  await mock.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
