import { ensureConfig, pickRunnableConfigKeys, type RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import type { AnyGraph } from "./graph-registry.js";

/**
 * `graph.stream(input, config)` as a plain async generator over the graph's `_streamIterator`,
 * keeping of LangChain's wrappers only what a run needs: each read raced against the run's signal.
 *
 * Pregel#stream wraps the stream in IterableReadableStreamWithAbortSignal, whose recursive `pump()`
 * held a promise chain per token until the stream ended (heap in proportion to the tokens streamed).
 * Runnable#stream, under it, still put every part (every token) through two web ReadableStreams and
 * re-entered LangChain's context for each: a callback manager configured anew (environment
 * lookups included) and an AsyncLocalStorage run, about 5% of a service's CPU at c50 in a bench
 * profile. Entered from a caller with no LangChain context (every run the service starts), that
 * context is no context, so the generator is read as it is. A caller inside one (a graph's node
 * reaching this service in-process) still gets LangChain's own re-entry for each read: read in the
 * node's context, the graph would take the node's config as its parent's and run as a subgraph of
 * it (ensureLangGraphConfig merges the ambient config). The race is what
 * Runnable#stream's AsyncGeneratorWithSetup does: a graph stuck in a step (a checkpoint write
 * waiting for a database that went away) still ends its stream when the signal fires
 * (test/database-outage*.test.ts); without it such a run never stopped. One abort listener serves
 * the whole stream rather than one per read.
 */
export async function* streamGraph(graph: AnyGraph, input: unknown, config: Record<string, unknown>): AsyncGenerator<unknown> {
  const full: RunnableConfig = ensureConfig({ recursionLimit: graph.config?.recursionLimit, ...config });
  const signal = full.signal;
  const parts = graph._streamIterator(input as never, full as never) as AsyncGenerator<unknown>;
  const storage = AsyncLocalStorageProviderSingleton.getInstance();
  const read = () => (storage.getStore() === undefined ? parts.next() : AsyncLocalStorageProviderSingleton.runWithConfig(pickRunnableConfigKeys(full), () => parts.next(), true));
  let stop: ((err: unknown) => void) | null = null;
  const onAbort = () => stop?.(abortError(signal!));
  signal?.addEventListener("abort", onAbort, { once: true });
  let done = false;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const next = await new Promise<IteratorResult<unknown>>((resolve, reject) => {
        stop = reject;
        // After an abort the read's own outcome is dropped (as raceWithSignal drops it).
        read().then(resolve, reject);
      });
      stop = null;
      if (next.done) break;
      yield next.value;
    }
    done = true;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // Left early (an abort, or the reader stopped): the generator finishes once its pending step does.
    if (!done) parts.return(undefined).catch(() => {});
  }
}

/** The error a read ends with when the signal fires, as LangChain's getAbortSignalError makes it. */
function abortError(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason;
  return new Error(typeof signal.reason === "string" ? signal.reason : "Aborted");
}
