import { useState, type FormEvent } from "react";
import { useApp } from "../shell/app-context";
import { ConfirmDialog } from "./confirm-dialog";
import { ExportMenu } from "./export-menu";
import { useOpenThread } from "./use-open-thread";
import "./threads.css";

/** The open thread's title and what can be done to it: rename, fork, export, delete; its two ids on demand. */
export function ThreadHeader() {
  const { api, openThread, threadsChanged } = useApp();
  const thread = useOpenThread();
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [showIds, setShowIds] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!thread) return null;
  const path = `/api/threads/${encodeURIComponent(thread.thread_id)}`;

  const act = async (what: string, action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
      setError(null);
    } catch (err) {
      setError(`${what} failed: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const rename = (e: FormEvent) => {
    e.preventDefault();
    const title = editing?.trim();
    if (!title) return;
    void act("Rename", async () => {
      await api.json(path, { method: "PATCH", body: { title } });
      setEditing(null);
      threadsChanged();
    });
  };
  const remove = () =>
    act("Delete", async () => {
      setConfirming(false);
      await api.json(path, { method: "DELETE" });
      openThread(null);
      threadsChanged();
    });
  const fork = () =>
    act("Fork", async () => {
      const forked = await api.json<{ thread_id: string }>(`${path}/fork`, { body: {} });
      openThread(forked.thread_id);
      threadsChanged();
    });

  return (
    <section className="thread-header" aria-label="Thread">
      {editing === null ? (
        <h2 title={thread.title ?? undefined}>{thread.title ?? "Untitled"}</h2>
      ) : (
        <form onSubmit={rename} onKeyDown={(e) => e.key === "Escape" && setEditing(null)}>
          <input aria-label="Thread title" autoFocus maxLength={200} value={editing} onChange={(e) => setEditing(e.target.value)} />
          <button type="submit" className="primary" disabled={busy || !editing.trim()}>
            Save
          </button>
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </form>
      )}
      <div className="thread-header-actions">
        {editing === null && (
          <button type="button" onClick={() => setEditing(thread.title ?? "")}>
            Rename
          </button>
        )}
        <button type="button" onClick={() => void fork()} disabled={busy || thread.status === "busy"}>
          Fork
        </button>
        <ExportMenu threadId={thread.thread_id} onError={setError} />
        <button type="button" aria-expanded={showIds} aria-controls="thread-ids" onClick={() => setShowIds((s) => !s)}>
          Ids
        </button>
        <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={busy}>
          Delete
        </button>
      </div>
      {showIds && (
        <dl className="thread-ids" id="thread-ids" aria-label="Thread ids">
          <dt>Thread id</dt>
          <dd>{thread.thread_id}</dd>
          <dt>UUID</dt>
          <dd>{thread.thread_uuid}</dd>
          <dt>Assistant</dt>
          <dd>{thread.assistant_id}</dd>
        </dl>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          title="Delete this thread?"
          text={`“${thread.title ?? "Untitled"}” and all its messages, branches and checkpoints go for good.`}
          confirm="Delete"
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
