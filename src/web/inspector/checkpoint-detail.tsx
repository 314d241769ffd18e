import type { HistoryEntry, Thread } from "../api/types";
import { DiffList } from "./diff-list";
import { StateView } from "./state-view";
import { TimeTravel } from "./time-travel";
import { useCheckpointState } from "./use-checkpoint-state";

interface CheckpointDetailProps {
  thread: Thread;
  entry: HistoryEntry;
  nodes: string[];
  onRunning(node: string | null, running: boolean): void;
  onChanged(): void;
}

/** The selected checkpoint: its state, the diff from its parent, and time travel from it. */
export function CheckpointDetail({ thread, entry, nodes, onRunning, onChanged }: CheckpointDetailProps) {
  const { state, error } = useCheckpointState(thread.thread_id, entry.checkpoint_id, entry.parent_checkpoint_id);
  return (
    <section className="checkpoint-detail" aria-label={`Checkpoint at step ${entry.step}`}>
      <h3 className="inspector-heading">
        Step {entry.step} · {entry.source} by {entry.writers.join(", ") || "—"}
      </h3>
      <p className="muted checkpoint-id">
        <code>{entry.checkpoint_id}</code>
      </p>
      {error && <p className="error-text">{error}</p>}
      {!state && !error && <p className="muted">Loading the state…</p>}
      {state && (
        <>
          <h4>Changes</h4>
          <DiffList before={state.parent?.values} after={state.at.values} />
          <h4>State</h4>
          <StateView state={state.at} />
          <TimeTravel
            thread={thread}
            state={state.at}
            nodes={nodes}
            keepsMessages={thread.message_count > 0 || state.at.values.messages.length > 0}
            onRunning={onRunning}
            onChanged={onChanged}
          />
        </>
      )}
    </section>
  );
}
