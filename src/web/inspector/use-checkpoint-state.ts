import { useEffect, useRef, useState } from "react";
import { useApp } from "../shell/app-context";

/** `GET /api/threads/:id/state`: the values (messages under `messages`), what runs next, the pauses. */
export interface CheckpointState {
  checkpoint_id: string | null;
  parent_checkpoint_id: string | null;
  created_at: string | null;
  step: number | null;
  next: string[];
  interrupts: { id: string; value: unknown }[];
  values: Record<string, unknown> & { messages: StateMessage[] };
}

export interface StateMessage {
  id?: string;
  type?: string;
  role?: string;
  content: unknown;
  tool_calls?: { name: string; args: unknown }[];
  name?: string;
}

/** The state at a checkpoint and at its parent (for the diff), loaded when one is selected. */
export function useCheckpointState(threadId: string | null, checkpointId: string | null, parentId: string | null) {
  // The app's clients are new objects whenever the thread list changes: that is no reason to reload.
  const latest = useApp().api;
  const api = useRef(latest);
  api.current = latest;
  const [state, setState] = useState<{ at: CheckpointState; parent: CheckpointState | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setState(null);
    setError(null);
    if (!threadId || !checkpointId) return;
    const abort = new AbortController();
    const load = (id: string) => api.current.json<CheckpointState>(`/api/threads/${encodeURIComponent(threadId)}/state?checkpoint_id=${id}`, { signal: abort.signal });
    Promise.all([load(checkpointId), parentId ? load(parentId) : Promise.resolve(null)])
      .then(([at, parent]) => setState({ at, parent }))
      .catch((err: Error) => !abort.signal.aborted && setError(err.message));
    return () => abort.abort();
  }, [threadId, checkpointId, parentId]);
  return { state, error };
}
