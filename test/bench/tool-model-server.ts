/**
 * The long-thread part's model: every turn is a tool-calling turn. Asked by the user, it calls the
 * chat graph's `calculator`; given the tool's result, it streams a text reply. The test mock
 * (test/helpers/mock-openai.ts) in a process of its own, as the bench's other mock model.
 *
 *   node --import tsx test/bench/tool-model-server.ts [tokens=32] [delayMs=2]
 *
 * Prints one JSON line `{"url": "<baseURL>"}` when ready; stops on SIGTERM or SIGINT.
 */
import { startMockOpenAI } from "../helpers/mock-openai.js";

const tokenCount = Number(process.argv[2] ?? 32);
const tokenDelayMs = Number(process.argv[3] ?? 2);
const tokens = Array.from({ length: tokenCount }, (_, i) => `w${i} `);

let calls = 0;
const mock = await startMockOpenAI((request) =>
  request.messages.at(-1)?.role === "tool"
    ? { tokens, tokenDelayMs }
    : // A fresh expression each turn, so that no two tool calls (or results) are the same bytes.
      { tokens: [], toolCalls: [{ name: "calculator", args: { expression: `${++calls} * 7` } }] },
);
process.stdout.write(`${JSON.stringify({ url: mock.baseURL })}\n`);

const stop = async () => {
  await mock.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
