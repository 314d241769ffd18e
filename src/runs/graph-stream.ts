import { Runnable } from "@langchain/core/runnables";
import type { AnyGraph } from "./graph-registry.js";

/**
 * `graph.stream(input, config)` without the wrapper LangGraph puts around it. Pregel#stream hands the
 * stream to IterableReadableStreamWithAbortSignal, which copies it chunk by chunk with a recursive
 * `pump()` (`reader.read().then(() => pump())`): each chunk adds promises to a chain that stays
 * pending until the stream ends, so an open run holds memory in proportion to the tokens it has
 * streamed (about 1.5 KB a token in heap snapshots: a thousand runs of 150 tokens, over 200 MB).
 * Runnable#stream, which the wrapper wraps, pulls from the graph's generator one chunk per read and
 * keeps nothing. What the wrapper adds is not used here: its `cancel()` (runs stop through
 * `config.signal`), the ambient config of a graph called inside another graph's node (a run's graph
 * is called at the top), and `encoding` (not given). Runnable#stream itself stays: it races each
 * read against the run's signal, so a run whose graph is stuck (a checkpoint write waiting for a
 * database that went away) still stops when its signal fires; reading the graph's `_streamIterator`
 * directly, which would also skip a web stream and a callback context per part, lost that
 * (test/database-outage.test.ts caught it).
 */
export function streamGraph(graph: AnyGraph, input: unknown, config: Record<string, unknown>): Promise<AsyncIterable<unknown>> {
  const stream = Runnable.prototype.stream as (this: AnyGraph, input: unknown, config: Record<string, unknown>) => Promise<AsyncIterable<unknown>>;
  return stream.call(graph, input, { recursionLimit: graph.config?.recursionLimit, ...config });
}
