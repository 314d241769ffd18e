import { useState } from "react";
import type { Thread } from "../api/types";
import { useApp } from "../shell/app-context";
import { useRunStatus } from "../shell/run-status";
import { readRunStream } from "./read-run-stream";
import type { CheckpointState } from "./use-checkpoint-state";

interface TimeTravelProps {
  thread: Thread;
  state: CheckpointState;
  /** The graph's nodes, to write an edit as one of them. */
  nodes: string[];
  keepsMessages: boolean;
  /** A run of ours started (its node) or ended (null); the inspector lights it. */
  onRunning(node: string | null, running: boolean): void;
  /** Something changed the thread: the timeline reloads. */
  onChanged(): void;
}

type Mode = "edit" | "run" | null;

/** From the selected checkpoint: edit its state, run from it, or fork a thread from it. */
export function TimeTravel({ thread, state, nodes, keepsMessages, onRunning, onChanged }: TimeTravelProps) {
  const { api, client, openThread, threadsChanged } = useApp();
  const runStatus = useRunStatus();
  const [mode, setMode] = useState<Mode>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const checkpointId = state.checkpoint_id!;
  const { messages: _messages, ...values } = state.values;

  const act = async (what: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await what());
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const changed = () => {
    runStatus.ended();
    threadsChanged();
    onChanged();
  };

  const edit = (form: FormData) =>
    act(async () => {
      const text = String(form.get("values") ?? "{}");
      let edited: Record<string, unknown>;
      try {
        edited = JSON.parse(text);
      } catch {
        throw new Error("The values are not valid JSON.");
      }
      if (!edited || typeof edited !== "object" || Array.isArray(edited)) throw new Error("The values must be a JSON object.");
      // Only what changed is sent: the update goes through the graph's reducers, as a node's output would.
      const update: Record<string, unknown> = Object.fromEntries(Object.entries(edited).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(values[k])));
      const append = String(form.get("message") ?? "").trim();
      if (append) update.messages = [{ role: String(form.get("role") ?? "user"), content: append }];
      if (Object.keys(update).length === 0) throw new Error("Nothing was changed.");
      const asNode = String(form.get("as_node") ?? "");
      await client.threads.updateState(thread.thread_uuid, { values: update, checkpointId, ...(asNode ? { asNode } : {}) });
      setMode(null);
      changed();
      return "State updated: a new update checkpoint is the head.";
    });

  const run = (form: FormData) =>
    act(async () => {
      const text = String(form.get("input") ?? "").trim();
      if (!text) throw new Error(keepsMessages ? "Write a message." : "Write the input.");
      let input: unknown;
      if (!keepsMessages) {
        try {
          input = JSON.parse(text);
        } catch {
          throw new Error("The input is not valid JSON.");
        }
      }
      const body = { thread_id: thread.thread_id, checkpoint_id: checkpointId, ...(keepsMessages ? { message: text } : { input }) };
      onRunning(null, true);
      try {
        const res = await api.fetch("/api/chat", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        const outcome = await readRunStream(res, (node) => onRunning(node, true));
        if (outcome.error) throw new Error(outcome.error);
        setMode(null);
        return `The run from step ${state.step} ended: ${outcome.status}.`;
      } finally {
        onRunning(null, false);
        changed();
      }
    });

  const fork = () =>
    act(async () => {
      const forked = await api.json<Thread>(`/api/threads/${encodeURIComponent(thread.thread_id)}/fork`, { body: { checkpoint_id: checkpointId } });
      threadsChanged();
      openThread(forked.thread_id);
      return null;
    });

  const running = busy || thread.status === "busy";
  return (
    <section className="time-travel" aria-label="Time travel">
      <div className="actions">
        <button type="button" aria-expanded={mode === "edit"} onClick={() => setMode(mode === "edit" ? null : "edit")} disabled={running}>
          Edit state
        </button>
        <button type="button" aria-expanded={mode === "run"} onClick={() => setMode(mode === "run" ? null : "run")} disabled={running}>
          Run from here
        </button>
        <button type="button" onClick={fork} disabled={running}>
          Fork from here
        </button>
      </div>
      {mode === "edit" && (
        <form aria-label="Edit state" onSubmit={(e) => (e.preventDefault(), edit(new FormData(e.currentTarget)))}>
          <label>
            Values (JSON; changed keys are written through the graph's reducers)
            <textarea name="values" rows={8} spellCheck={false} defaultValue={JSON.stringify(values, null, 2)} />
          </label>
          {keepsMessages && (
            <div className="append">
              <label>
                Append a message as
                <select name="role" defaultValue="user">
                  <option value="user">user</option>
                  <option value="assistant">assistant</option>
                  <option value="system">system</option>
                </select>
              </label>
              <textarea name="message" aria-label="Message to append" rows={2} />
            </div>
          )}
          <label>
            As node
            <select name="as_node" defaultValue="">
              <option value="">(as LangGraph decides)</option>
              {nodes.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={busy}>
            Save state
          </button>
        </form>
      )}
      {mode === "run" && (
        <form aria-label="Run from here" onSubmit={(e) => (e.preventDefault(), run(new FormData(e.currentTarget)))}>
          <label>
            {keepsMessages ? "Message" : "Input (JSON)"}
            <textarea name="input" rows={3} spellCheck={false} defaultValue={keepsMessages ? "" : "{}"} />
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Running…" : "Run"}
          </button>
        </form>
      )}
      {notice && <p role="status">{notice}</p>}
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
    </section>
  );
}
