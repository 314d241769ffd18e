import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { pathToFileURL } from "node:url";
import * as ours from "../../src/agent-api/agent-stream-encoder.js";

/**
 * CPU of the Agent Server stream's events that hold a long thread's whole state at every step, by
 * mode, with this checkout's encoder and (`BEFORE_ENCODER`: another checkout's
 * `src/agent-api/agent-stream-encoder.ts`) another's, rounds alternating in one process:
 *
 *   BEFORE_ENCODER=/tmp/wt/src/agent-api/agent-stream-encoder.ts npx tsx test/bench/stream-encoder-bench.ts
 *
 * A thread of ENC_BENCH_TURNS tool-calling turns (default 100: 400 messages) grows by one message a
 * step, as a run's steps do; each step's event holds the whole list (a `values` state, a
 * `checkpoints` or `debug` checkpoint, a `tasks` task start whose input is the state). The encoder
 * alone: no HTTP, no database. Prints milliseconds of CPU per event, the median of the rounds.
 */
type Encoder = typeof ours;
const turns = Number(process.env.ENC_BENCH_TURNS ?? 100);
const rounds = Number(process.env.ENC_BENCH_ROUNDS ?? 6);
const before = process.env.BEFORE_ENCODER ? ((await import(pathToFileURL(process.env.BEFORE_ENCODER).href)) as Encoder) : undefined;

function thread(): BaseMessage[] {
  const messages: BaseMessage[] = [];
  for (let i = 0; i < turns; i++) {
    messages.push(new HumanMessage({ id: `h${i}`, content: `What is ${i} * 7?` }));
    messages.push(new AIMessage({ id: `a${i}`, content: "", tool_calls: [{ id: `c${i}`, name: "calculator", args: { expression: `${i} * 7` } }] }));
    messages.push(new ToolMessage({ id: `t${i}`, tool_call_id: `c${i}`, name: "calculator", content: String(i * 7) }));
    messages.push(new AIMessage({ id: `r${i}`, content: `The answer is ${i * 7}, worked out from the tool's result. `.repeat(6) }));
  }
  return messages;
}

const chunks: Record<string, (step: number, messages: BaseMessage[]) => unknown> = {
  values: (_step, messages) => ({ messages }),
  checkpoints: (step, messages) => ({ values: { messages }, metadata: { step }, next: ["agent"] }),
  debug: (step, messages) => ({
    step,
    type: "checkpoint",
    timestamp: "2026-12-04T00:00:00.000Z",
    payload: { config: { configurable: { thread_id: "t", checkpoint_ns: "", checkpoint_id: `c${step}` } }, values: { messages }, metadata: { step }, next: ["agent"], tasks: [] },
  }),
  tasks: (step, messages) => ({ id: `k${step}`, name: "agent", input: { messages }, triggers: ["branch:to:agent"], interrupts: [] }),
};

/** CPU ms per event over one run of the thread's steps (fresh messages: nothing built before). */
function measure(encoder: Encoder, mode: string): number {
  const messages = thread();
  const encode = new encoder.AgentStreamEncoder({ streamMode: [mode as ours.AgentStreamMode], subgraphs: false });
  const start = process.cpuUsage();
  for (let step = 1; step <= messages.length; step++) encode.part({ ns: [], mode, chunk: chunks[mode](step, messages.slice(0, step)) });
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / messages.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| mode | this checkout, ms/event |${before ? " BEFORE_ENCODER, ms/event | this / before |" : ""}`);
console.log(`|---|---|${before ? "---|---|" : ""}`);
for (const mode of Object.keys(chunks)) {
  measure(ours, mode); // warm-up
  if (before) measure(before, mode);
  const mine: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    mine.push(measure(ours, mode));
    if (before) theirs.push(measure(before, mode));
  }
  const a = median(mine);
  const b = before ? median(theirs) : undefined;
  console.log(`| ${mode} | ${a.toFixed(3)} |${b === undefined ? "" : ` ${b.toFixed(3)} | x${(a / b).toFixed(2)} |`}`);
}
