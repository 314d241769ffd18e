import { useEffect, useRef, useState } from "react";
import type { Thread } from "../api/types";
import { useApp } from "../shell/app-context";
import { ThreadFilters } from "./thread-filters";
import { ThreadItem } from "./thread-item";
import { useThreadPages } from "./use-thread-pages";
import "./threads.css";

const SEARCH_DEBOUNCE_MS = 250;

/** The sidebar: the caller's threads newest first, searchable and filtered, loading pages as it scrolls. */
export function ThreadList() {
  const { api, threadId, openThread, threadsChanged } = useApp();
  const [typed, setTyped] = useState("");
  const [q, setQ] = useState("");
  const [status, setStatus] = useState("");
  const [assistantId, setAssistantId] = useState("");
  const [actionError, setActionError] = useState<string | null>(null);
  const { threads, hasMore, total, loading, error, loadMore, refresh } = useThreadPages({ q, status, assistantId });

  useEffect(() => {
    const timer = setTimeout(() => setQ(typed.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [typed]);

  // Infinite scroll: the next page when the end of the list comes into view.
  const sentinel = useRef<HTMLDivElement>(null);
  const loadMoreRef = useRef(loadMore);
  loadMoreRef.current = loadMore;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore) return;
    // Observed within the list's scrolling container, so the margin starts loading before the end shows.
    const root = scrollParent(el);
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void loadMoreRef.current(), { root, rootMargin: "150px" });
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasMore, threads.length]);

  // A thread opened by a link or made elsewhere (another tab, the API) that the list has not seen yet.
  const listed = threads.some((t) => t.thread_id === threadId || t.thread_uuid === threadId);
  useEffect(() => {
    if (threadId && total !== null && !listed && !q && !status && !assistantId) void refresh();
  }, [threadId]); // eslint-disable-line react-hooks/exhaustive-deps

  const showBranch = async (thread: Thread) => {
    try {
      await api.json(`/api/threads/${encodeURIComponent(thread.thread_id)}/head`, { body: { message_id: thread.snippet_message_id } });
      setActionError(null);
      openThread(thread.thread_id);
      threadsChanged();
    } catch (err) {
      setActionError((err as Error).message);
    }
  };

  const open = (t: Thread) => threadId !== null && (t.thread_id === threadId || t.thread_uuid === threadId);
  return (
    <div className="thread-list">
      <div className="thread-list-controls">
        <input type="search" aria-label="Search threads" placeholder="Search messages…" value={typed} onChange={(e) => setTyped(e.target.value)} />
        <ThreadFilters status={status} assistantId={assistantId} onStatus={setStatus} onAssistant={setAssistantId} />
      </div>
      {(error || actionError) && (
        <p className="error-text thread-list-error" role="alert">
          {actionError ?? error}
        </p>
      )}
      <p className="thread-count muted" aria-live="polite">
        {total === null ? "" : q ? `${total} ${total === 1 ? "thread matches" : "threads match"}` : `${total} ${total === 1 ? "thread" : "threads"}`}
      </p>
      <ul className="threads" aria-label={q ? "Search results" : "Threads"}>
        {threads.map((t) => (
          <ThreadItem key={t.thread_uuid} thread={t} open={open(t)} onShowBranch={showBranch} />
        ))}
      </ul>
      {total === 0 && !loading && <p className="empty">{q || status || assistantId ? "No thread matches." : "No threads yet: start a chat."}</p>}
      {hasMore && (
        <div ref={sentinel} className="thread-list-more">
          <button type="button" onClick={() => void loadMore()} disabled={loading}>
            {loading ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </div>
  );
}

function scrollParent(el: HTMLElement): HTMLElement | null {
  for (let node = el.parentElement; node; node = node.parentElement) {
    if (/(auto|scroll)/.test(getComputedStyle(node).overflowY)) return node;
  }
  return null;
}
