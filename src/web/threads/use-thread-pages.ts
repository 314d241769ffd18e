import { useCallback, useEffect, useRef, useState } from "react";
import type { Thread, ThreadPage } from "../api/types";
import { useApp } from "../shell/app-context";

export interface ThreadQuery {
  q: string;
  status: string;
  assistantId: string;
}

const PAGE = 20;
/** While a listed thread runs, statuses are read again this often; otherwise now and then (other tabs). */
const BUSY_POLL_MS = 5000;
const IDLE_POLL_MS = 30000;

function listPath(query: ThreadQuery, limit: number, cursor?: string | null): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (query.q) params.set("q", query.q);
  if (query.status) params.set("status", query.status);
  if (query.assistantId) params.set("assistant_id", query.assistantId);
  if (cursor) params.set("cursor", cursor);
  return `/api/threads?${params}`;
}

/**
 * The thread list as keyset pages, newest first: the first page again whenever the query or the
 * threads change (as many threads as are shown, so a refresh does not shorten a scrolled list), and
 * `loadMore` for the next page.
 */
export function useThreadPages(query: ThreadQuery) {
  const { api, apiKey, threadsVersion } = useApp();
  const apiRef = useRef(api);
  apiRef.current = api;
  const [threads, setThreads] = useState<Thread[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Each refresh is a generation; answers to an older one are dropped: only the latest may write the
  // list. `shownGeneration` is the one the list shows, which `loadMore` extends, and only while it is
  // the latest: a page of another query's list (the cursor and the query it was asked with would not
  // belong together), or one arriving after a newer refresh began, must not write the list either.
  const generation = useRef(0);
  const shownGeneration = useRef(0);
  const shown = useRef(PAGE);
  shown.current = Math.max(PAGE, threads.length);

  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const page = await apiRef.current.json<ThreadPage>(listPath(query, Math.min(100, shown.current)));
      if (mine !== generation.current) return;
      shownGeneration.current = mine;
      setThreads(page.threads);
      setCursor(page.next_cursor);
      setTotal(page.total);
      setError(null);
    } catch (err) {
      if (mine === generation.current) setError((err as Error).message);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [query.q, query.status, query.assistantId]); // eslint-disable-line react-hooks/exhaustive-deps

  // A new query starts from one page.
  useEffect(() => {
    shown.current = PAGE;
  }, [query.q, query.status, query.assistantId]);

  useEffect(() => {
    void refresh();
  }, [refresh, threadsVersion, apiKey]);

  const anyBusy = threads.some((t) => t.status === "busy");
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void refresh();
    }, anyBusy ? BUSY_POLL_MS : IDLE_POLL_MS);
    return () => clearInterval(timer);
  }, [refresh, anyBusy]);

  const loadMore = useCallback(async () => {
    const mine = generation.current;
    if (!cursor || loading || shownGeneration.current !== mine) return;
    setLoading(true);
    try {
      const page = await apiRef.current.json<ThreadPage>(listPath(query, PAGE, cursor));
      if (mine !== generation.current) return;
      // A thread that moved up since the last page is already listed: keep the first sighting.
      setThreads((before) => [...before, ...page.threads.filter((t) => !before.some((b) => b.thread_uuid === t.thread_uuid))]);
      setCursor(page.next_cursor);
      setTotal(page.total);
    } catch (err) {
      if (mine === generation.current) setError((err as Error).message);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [cursor, loading, query.q, query.status, query.assistantId]); // eslint-disable-line react-hooks/exhaustive-deps

  return { threads, hasMore: cursor !== null, total, loading, error, loadMore, refresh };
}
