import { useEffect, useRef } from "react";
import type { HistoryEntry } from "../api/types";
import type { History } from "./use-history";
import { relativeTime } from "../shell/relative-time";
import { TIMELINE_PAINTED_MARK } from "./timeline-mark";

interface TimelineProps {
  history: History;
  headId: string | null;
  selectedId: string | null;
  onSelect(entry: HistoryEntry): void;
}


/**
 * Every checkpoint, newest first; older pages load as the list scrolls to its end, so a long
 * thread shows its first page at once.
 */
export function Timeline({ history, headId, selectedId, onSelect }: TimelineProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLLIElement>(null);
  const { entries, hasMore, loadMore } = history;
  const painted = entries.length > 0;

  useEffect(() => {
    if (!painted) return;
    // After the commit that put the rows in, once the browser has painted them.
    requestAnimationFrame(() => setTimeout(() => performance.mark(TIMELINE_PAINTED_MARK), 0));
  }, [painted]);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore) return;
    const seen = new IntersectionObserver((items) => items.some((i) => i.isIntersecting) && loadMore(), { root: scroller.current, rootMargin: "200px" });
    seen.observe(el);
    return () => seen.disconnect();
  }, [hasMore, loadMore, entries.length]);

  return (
    <div className="timeline" ref={scroller}>
      <ol aria-label="Checkpoints">
        {entries.map((entry) => (
          <TimelineRow key={entry.checkpoint_id} entry={entry} head={entry.checkpoint_id === headId} selected={entry.checkpoint_id === selectedId} onSelect={onSelect} />
        ))}
        {hasMore && (
          <li ref={sentinel} className="muted timeline-more">
            <button type="button" onClick={loadMore} disabled={history.loading}>
              {history.loading ? "Loading…" : "Older checkpoints"}
            </button>
          </li>
        )}
      </ol>
      {!painted && !history.error && <p className="empty">{history.loading ? "Loading checkpoints…" : "No checkpoints yet."}</p>}
      {history.error && <p className="error-text">{history.error}</p>}
    </div>
  );
}

function TimelineRow({ entry, head, selected, onSelect }: { entry: HistoryEntry; head: boolean; selected: boolean; onSelect(entry: HistoryEntry): void }) {
  const writers = entry.writers.length ? entry.writers.join(", ") : "—";
  const added = entry.added_message_ids.length;
  const label = `Step ${entry.step} ${entry.source} by ${writers}${added ? `, ${added} message${added > 1 ? "s" : ""} added` : ""}${head ? ", head" : ""}`;
  return (
    <li className="timeline-row" data-source={entry.source}>
      <button type="button" aria-label={label} aria-pressed={selected} onClick={() => onSelect(entry)} title={entry.checkpoint_id}>
        <span className="step">{entry.step}</span>
        <span className={`source source-${entry.source}`}>{entry.source}</span>
        <span className="writers">{writers}</span>
        <span className="added">{added > 0 ? `+${added} msg` : ""}</span>
        <span>{head && <span className="head-badge">head</span>}</span>
        <time dateTime={entry.created_at}>{relativeTime(entry.created_at)}</time>
      </button>
    </li>
  );
}
