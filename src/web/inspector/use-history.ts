import { useCallback, useEffect, useRef, useState } from "react";
import type { HistoryEntry, HistoryPage } from "../api/types";
import { useApp } from "../shell/app-context";

export const PAGE_SIZE = 50;

export interface History {
  entries: HistoryEntry[];
  /** More, older checkpoints to load. */
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  loadMore(): void;
}

/**
 * A thread's checkpoints, newest first, a keyset page at a time. A reload fetches the first page
 * again and keeps the older pages already loaded when they still follow on.
 */
export function useHistory(threadId: string | null, reloadKey: string): History {
  const { api } = useApp();
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const busy = useRef(false);
  const base = threadId ? `/api/threads/${encodeURIComponent(threadId)}/history?limit=${PAGE_SIZE}` : null;

  useEffect(() => {
    setEntries([]);
    setCursor(null);
    setError(null);
  }, [base]);

  useEffect(() => {
    if (!base) return;
    const abort = new AbortController();
    setLoading(true);
    api
      .json<HistoryPage>(base, { signal: abort.signal })
      .then((page) => {
        setEntries((prev) => {
          const last = page.checkpoints.at(-1);
          const at = last ? prev.findIndex((e) => e.checkpoint_id === last.checkpoint_id) : -1;
          if (at < 0) {
            setCursor(page.next_cursor);
            return page.checkpoints;
          }
          return [...page.checkpoints, ...prev.slice(at + 1)];
        });
        setError(null);
      })
      .catch((err: Error) => err.name !== "AbortError" && setError(err.message))
      .finally(() => !abort.signal.aborted && setLoading(false));
    return () => abort.abort();
  }, [api, base, reloadKey]);

  const loadMore = useCallback(() => {
    if (!base || !cursor || busy.current) return;
    busy.current = true;
    setLoading(true);
    api
      .json<HistoryPage>(`${base}&cursor=${encodeURIComponent(cursor)}`)
      .then((page) => {
        setEntries((prev) => {
          const seen = new Set(prev.map((e) => e.checkpoint_id));
          return [...prev, ...page.checkpoints.filter((e) => !seen.has(e.checkpoint_id))];
        });
        setCursor(page.next_cursor);
      })
      .catch((err: Error) => setError(err.message))
      .finally(() => {
        busy.current = false;
        setLoading(false);
      });
  }, [api, base, cursor]);

  return { entries, hasMore: cursor !== null, loading, error, loadMore };
}
