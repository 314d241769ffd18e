import { ensureConfig } from "@langchain/core/runnables";
import type { AnyGraph } from "./graph-registry.js";

/**
 * `graph.stream(input, config)` without its wrappers. LangGraph's `stream` hands the parts of its
 * `_streamIterator` through two web `ReadableStream`s and re-enters LangChain's context (a callback
 * manager set up anew) for every part, which for a chat turn is every token. For a top-level run
 * that context is empty (no parent run: LangChain runs each `next` with no store), so iterating the
 * generator itself yields the same parts in the same context. It also leaves out the outer
 * wrapper's copy of the stream (IterableReadableStreamWithAbortSignal's recursive `pump()`), whose
 * chain of pending promises grew by one per part until the run ended: about 1.5 KB a token held by
 * each open run. Kept from the wrappers: the graph's
 * own recursion limit as the default. A stream left early aborts the graph, by a signal of its own
 * (the run's signal still says only why the run stopped), and is not waited for, as before.
 */
export async function* graphParts(graph: AnyGraph, input: unknown, config: Record<string, unknown> & { signal: AbortSignal }): AsyncGenerator<unknown> {
  const left = new AbortController();
  const full = ensureConfig({ recursionLimit: graph.config?.recursionLimit, ...config, signal: AbortSignal.any([config.signal, left.signal]) });
  const parts = graph._streamIterator(input as never, full as never) as AsyncGenerator<unknown>;
  let done = false;
  try {
    for (let next = await parts.next(); !next.done; next = await parts.next()) yield next.value;
    done = true;
  } finally {
    if (!done) {
      left.abort(new Error("the run stopped reading the graph's stream"));
      parts.return(undefined).catch(() => {});
    }
  }
}
