import { startTransition, useCallback, useEffect, useRef, useState } from "react";
import type { ThreadWithMessages } from "../api/types";
import { useApp } from "../shell/app-context";

export interface ThreadMirror {
  thread: ThreadWithMessages | null;
  loading: boolean;
  error: string | null;
  /** Reads the thread again (after a run, a branch switch); resolves when the new read is shown. */
  reload(): Promise<void>;
}

/** The open thread and its head branch from our mirror (`GET /api/threads/:id`), with usage and siblings. */
export function useThreadMirror(threadId: string | null): ThreadMirror {
  const { api } = useApp();
  const apiRef = useRef(api);
  apiRef.current = api;
  const [thread, setThread] = useState<ThreadWithMessages | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const current = useRef(threadId);
  current.current = threadId;

  // `deferred`: drawn as a transition, which yields to the page's other parts (the inspector's
  // timeline of the same thread is then not held up by drawing a long conversation).
  const load = useCallback(async (deferred: boolean) => {
    const id = current.current;
    if (!id) {
      setThread(null);
      return;
    }
    setLoading(true);
    try {
      const next = await apiRef.current.json<ThreadWithMessages>(`/api/threads/${encodeURIComponent(id)}`);
      if (current.current === id) {
        const show = () => {
          setThread(next);
          setError(null);
        };
        if (deferred) startTransition(show);
        else show();
      }
    } catch (err) {
      if (current.current === id) setError((err as Error).message);
    } finally {
      if (current.current === id) setLoading(false);
    }
  }, []);
  const reload = useCallback(() => load(false), [load]);

  useEffect(() => {
    // A different thread: drop the old one at once, so nothing of it shows under the new id.
    setThread((t) => (t && (t.thread_id === threadId || t.thread_uuid === threadId) ? t : null));
    setError(null);
    void load(true);
  }, [threadId, load]);

  return { thread, loading, error, reload };
}
