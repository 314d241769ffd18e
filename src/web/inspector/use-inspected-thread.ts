import { useEffect, useState } from "react";
import type { Thread } from "../api/types";
import { useApp } from "../shell/app-context";

const POLL_MS = 1500;

/**
 * The open thread's row, polled: a run started elsewhere (another tab, a script, the inspector's own
 * "run from here") shows as status `busy`, which the chat's run status cannot tell.
 */
export function useInspectedThread(threadId: string | null, reloadKey: string): { thread: Thread | null; error: string | null } {
  const { api } = useApp();
  const [thread, setThread] = useState<Thread | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setThread(null);
    setError(null);
  }, [threadId]);
  useEffect(() => {
    if (!threadId) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await api.json<Thread>(`/api/threads/${encodeURIComponent(threadId)}?messages=false`, { signal: abort.signal });
        setThread((prev) => (prev && JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
        setError(null);
      } catch (err) {
        if ((err as Error).name === "AbortError") return;
        setError((err as Error).message);
      }
      if (!abort.signal.aborted) timer = setTimeout(load, POLL_MS);
    };
    void load();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [api, threadId, reloadKey]);
  return { thread, error };
}
