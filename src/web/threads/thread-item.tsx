import type { Thread } from "../api/types";
import { threadHref } from "../shell/use-hash-route";
import { relativeTime } from "../shell/relative-time";
import { SnippetText } from "./snippet-text";

/** One thread of the list: a link to it, with its status when not idle and, in a search, where it matched. */
export function ThreadItem({ thread, open, onShowBranch }: { thread: Thread; open: boolean; onShowBranch(thread: Thread): void }) {
  return (
    <li className="thread-item" data-open={open}>
      <a href={threadHref(thread.thread_id)} aria-current={open ? "page" : undefined}>
        <span className="thread-item-top">
          <span className={thread.title ? "thread-title" : "thread-title muted"}>{thread.title ?? "Untitled"}</span>
          <time dateTime={thread.updated_at} title={new Date(thread.updated_at).toLocaleString()}>
            {relativeTime(thread.updated_at)}
          </time>
        </span>
        {thread.status !== "idle" && <span className={`status-badge status-${thread.status}`}>{thread.status}</span>}
        {thread.snippet && (
          <span className="thread-snippet">
            <SnippetText text={thread.snippet} />
          </span>
        )}
      </a>
      {thread.snippet && thread.snippet_on_head_branch === false && (
        <button type="button" className="show-branch" onClick={() => onShowBranch(thread)}>
          Show this branch
        </button>
      )}
    </li>
  );
}
