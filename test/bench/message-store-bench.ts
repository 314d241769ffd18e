import { AIMessage, ToolMessage, HumanMessage } from "@langchain/core/messages";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { createPool } from "../../src/db/create-pool.js";
import { ThreadloomSaver } from "../../src/db/threadloom-saver.js";

/**
 * Storage and read time of one long tool-calling thread, saved by the saver before the message
 * store (`BEFORE_SAVER`: a module exporting ThreadloomSaver, e.g. the main checkout's; else the stock
 * PostgresSaver) and by ours, turn by turn alternately, in one run, each in a schema of its own:
 *
 *   MSG_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mine MSG_BENCH_TURNS=100 \
 *     npx tsx test/bench/message-store-bench.ts
 *
 * Each turn: the user's message, a tool call, the tool's answer, a text reply (about the sizes of a
 * real model's), through a real LangGraph graph. No model: only the saver is measured.
 */
const url = process.env.MSG_BENCH_DATABASE_URL;
if (!url) throw new Error("Set MSG_BENCH_DATABASE_URL (a database of your own: its schemas bench_before and bench_after are replaced)");
const turns = Number(process.env.MSG_BENCH_TURNS ?? 100);
// The service's own pool (JIT off, see createPool): a plain one had reads compile for 100 ms each.
const pool = createPool(url, { max: 4 });

const reply = (n: number) => `Turn ${n}: ` + "The answer, worked out step by step from the tool's result and what was said before. ".repeat(7);
const usage = { input_tokens: 1200, output_tokens: 140, total_tokens: 1340 };
function graph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode("agent", (state) => {
      const last = state.messages.at(-1)!;
      const n = state.messages.length;
      if (last instanceof ToolMessage) return { messages: [new AIMessage({ content: reply(n), usage_metadata: usage, response_metadata: { model_name: "mock", finish_reason: "stop" } })] };
      return { messages: [new AIMessage({ content: "", tool_calls: [{ id: `call_${n}`, name: "calculator", args: { expression: `${n} * 7` } }], usage_metadata: usage, response_metadata: { model_name: "mock", finish_reason: "tool_calls" } })] };
    })
    .addNode("tools", (state) => {
      const call = (state.messages.at(-1) as AIMessage).tool_calls![0];
      return { messages: [new ToolMessage({ content: JSON.stringify({ result: 7 * state.messages.length, expression: call.args.expression }), tool_call_id: call.id!, name: call.name })] };
    })
    .addEdge(START, "agent")
    .addConditionalEdges("agent", (state) => ((state.messages.at(-1) as AIMessage).tool_calls?.length ? "tools" : END))
    .addEdge("tools", "agent")
    .compile({ checkpointer });
}

async function saverIn(schema: string, make: (schema: string) => BaseCheckpointSaver & { setup(): Promise<void> }) {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const saver = make(schema);
  await saver.setup();
  return saver;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
async function timed<T>(fn: () => Promise<T>): Promise<[number, number]> {
  const [t, c] = [performance.now(), cpuMs()];
  await fn();
  return [performance.now() - t, cpuMs() - c];
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const Before = process.env.BEFORE_SAVER ? ((await import(process.env.BEFORE_SAVER)).ThreadloomSaver as typeof ThreadloomSaver) : null;
  const savers = {
    before: await saverIn("bench_before", (s) => (Before ? new Before(pool, s) : new PostgresSaver(pool, undefined, { schema: s }))),
    after: await saverIn("bench_after", (s) => new ThreadloomSaver(pool, s)),
  };
  const threadId = "bench-thread";
  const config = { configurable: { thread_id: threadId } };
  const turnMs = { before: [] as number[][], after: [] as number[][] };
  for (let i = 1; i <= turns; i++) {
    for (const side of ["before", "after"] as const) {
      turnMs[side].push(await timed(() => graph(savers[side]).invoke({ messages: [new HumanMessage(`Question ${i}: what is ${i} times 7?`)] }, config)));
    }
  }
  const result: Record<string, Record<string, string | number>> = {};
  for (const side of ["before", "after"] as const) {
    const saver = savers[side];
    const schema = `bench_${side}`;
    const { rows } = await pool.query(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS disk FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [schema],
    );
    const blobs = await pool.query(`SELECT sum(octet_length(blob))::bigint AS raw FROM ${schema}.checkpoint_blobs`);
    const msgs = side === "after" ? await pool.query(`SELECT count(*)::int AS n, sum(octet_length(blob))::bigint AS raw FROM ${schema}.checkpoint_messages`) : null;
    const cps = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.checkpoints`);
    const getTuple = [];
    const list10 = [];
    const state = [];
    for (let r = 0; r < 15; r++) {
      getTuple.push(await timed(() => saver.getTuple(config)));
      list10.push(await timed(async () => {
        for await (const _ of saver.list(config, { limit: 10 }));
      }));
      state.push(await timed(() => graph(saver).getState(config)));
    }
    const messages = (await graph(saver).getState(config)).values.messages.length;
    const med = (xs: number[][], k: number) => median(xs.map((x) => x[k])).toFixed(1);
    result[side] = {
      "checkpoints": cps.rows[0].n,
      "messages": messages,
      "tables on disk (MB)": (Number(rows[0].disk) / 1e6).toFixed(2),
      "blob bytes (MB)": (Number(blobs.rows[0].raw) / 1e6).toFixed(2),
      "message rows": msgs?.rows[0].n ?? "-",
      "message bytes (MB)": msgs ? (Number(msgs.rows[0].raw) / 1e6).toFixed(2) : "-",
      "getTuple ms (cpu)": `${med(getTuple, 0)} (${med(getTuple, 1)})`,
      "list limit 10 ms (cpu)": `${med(list10, 0)} (${med(list10, 1)})`,
      "getState ms (cpu)": `${med(state, 0)} (${med(state, 1)})`,
      "turn 1-5 ms (cpu)": `${med(turnMs[side].slice(0, 5), 0)} (${med(turnMs[side].slice(0, 5), 1)})`,
      [`turn ${turns - 4}-${turns} ms (cpu)`]: `${med(turnMs[side].slice(-5), 0)} (${med(turnMs[side].slice(-5), 1)})`,
    };
  }
  console.table(result);
  await pool.end();
}

await main();
