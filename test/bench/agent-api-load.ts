/**
 * Load through the LangGraph Agent Server API with the official client (`@langchain/langgraph-sdk`),
 * the same for threadloom and for `langgraphjs dev`: conversations of several turns, each turn a
 * streamed run read to its end.
 */
import type { Client } from "@langchain/langgraph-sdk";

export interface AgentTurn {
  /** Stream call -> the first `messages` event carrying content. */
  ttftMs: number;
  /** Stream call -> the run's last `values` event: the work done, whenever the server ends the stream. */
  finalValuesMs: number;
  /** Stream call -> the stream ended. */
  turnMs: number;
  /** Messages in the run's last `values` event, and how many a thread has after this many turns. */
  messages: number;
  expected: number;
}

export interface AgentLoadResult {
  turns: AgentTurn[];
  wallMs: number;
}

export interface AgentLoad {
  threads: number;
  turnsPerThread: number;
  /** Threads in flight at once; a thread's own turns go one after another. */
  concurrency: number;
}

const TURN_TIMEOUT_MS = 60_000;

/** Creates the threads (not timed), then runs their turns through `concurrency` workers. */
export async function runAgentLoad(client: Client, load: AgentLoad): Promise<AgentLoadResult> {
  const threadIds: string[] = [];
  for (let i = 0; i < load.threads; i++) threadIds.push((await client.threads.create()).thread_id);
  const turns: AgentTurn[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < threadIds.length) {
      const threadId = threadIds[next++];
      for (let k = 1; k <= load.turnsPerThread; k++) turns.push(await agentTurn(client, threadId, k));
    }
  };
  await Promise.all(Array.from({ length: Math.min(load.concurrency, load.threads) }, worker));
  return { turns, wallMs: performance.now() - started };
}

/** Turn `k` of a thread: one user message, streamed as `values` and `messages-tuple`. */
export async function agentTurn(client: Client, threadId: string, k: number): Promise<AgentTurn> {
  const t0 = performance.now();
  let ttftMs = -1;
  let finalValuesMs = -1;
  let last: unknown;
  const stream = client.runs.stream(threadId, "chat", {
    input: { messages: [{ role: "user", content: `Say something. (turn ${k})` }] },
    streamMode: ["values", "messages-tuple"],
    signal: AbortSignal.timeout(TURN_TIMEOUT_MS),
  });
  for await (const { event, data } of stream) {
    if (event === "error") throw new Error(`thread ${threadId}, turn ${k}: error event ${JSON.stringify(data)}`);
    if (event === "values") [last, finalValuesMs] = [data, performance.now() - t0];
    else if (event === "messages" && ttftMs < 0 && hasContent(data)) ttftMs = performance.now() - t0;
  }
  const turnMs = performance.now() - t0;
  if (ttftMs < 0) throw new Error(`thread ${threadId}, turn ${k}: the stream carried no message content`);
  const messages = (last as { messages?: unknown[] } | undefined)?.messages?.length ?? 0;
  return { ttftMs, finalValuesMs, turnMs, messages, expected: 2 * k };
}

/** A `messages-tuple` event is `[message chunk, metadata]`; the first chunk of a reply is empty. */
function hasContent(data: unknown): boolean {
  const content = Array.isArray(data) ? (data[0] as { content?: unknown } | undefined)?.content : undefined;
  return typeof content === "string" ? content.length > 0 : Array.isArray(content) && content.length > 0;
}
