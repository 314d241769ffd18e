import type { Client } from "@langchain/langgraph-sdk";
import { useEffect, useRef } from "react";

/**
 * Follows the open thread's runs started elsewhere (another tab, a curl): the thread's stream
 * (`GET /threads/:id/stream`, lifecycle events only) names each run as it starts; `onRun` joins it.
 * `onRunDone` hears each run's end, so a run that ended before we could join still shows.
 */
export function useThreadFollower(client: Client, threadUuid: string | null, onRun: (runId: string) => void, onRunDone: (runId: string) => void): void {
  const clientRef = useRef(client);
  clientRef.current = client;
  const handlers = useRef({ onRun, onRunDone });
  handlers.current = { onRun, onRunDone };
  useEffect(() => {
    if (!threadUuid) return;
    const abort = new AbortController();
    (async () => {
      // Reconnects on its own (the SDK retries a dropped stream); ends when we leave the thread.
      while (!abort.signal.aborted) {
        try {
          for await (const part of clientRef.current.threads.joinStream(threadUuid, { signal: abort.signal, streamMode: "lifecycle" })) {
            const data = part.data as { run_id?: string } | undefined;
            if (!data?.run_id) continue;
            if (part.event === "metadata") handlers.current.onRun(data.run_id);
            else if (part.event === "run_done") handlers.current.onRunDone(data.run_id);
          }
        } catch {
          // The thread went away or the service restarts: try again a little later.
        }
        if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 2000));
      }
    })();
    return () => abort.abort();
  }, [threadUuid]);
}
