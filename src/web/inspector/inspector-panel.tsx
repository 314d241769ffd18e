import { lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";
import type { HistoryEntry } from "../api/types";
import { useApp } from "../shell/app-context";
import { useRunStatus } from "../shell/run-status";
import "./inspector.css";
import { Timeline } from "./timeline";
import { useGraph } from "./use-graph";
import { useHistory } from "./use-history";
import { useInspectedThread } from "./use-inspected-thread";
import { useRunningNodes, type OwnRun } from "./use-running-nodes";

// React Flow, dagre and jsondiffpatch load on their own, so neither the page nor the timeline waits for them.
const GraphView = lazy(() => import("./graph-view").then((m) => ({ default: m.GraphView })));
const CheckpointDetail = lazy(() => import("./checkpoint-detail").then((m) => ({ default: m.CheckpointDetail })));

/** The open thread inside: its graph with the running node lit, every checkpoint, time travel. */
export function InspectorPanel() {
  const { threadId } = useApp();
  const { version } = useRunStatus();
  const [changes, setChanges] = useState(0);
  const [own, setOwn] = useState<OwnRun>({ running: false, node: null });
  const [selected, setSelected] = useState<HistoryEntry | null>(null);
  const { thread, error } = useInspectedThread(threadId, `${version}:${changes}`);
  const [reload, setReload] = useState("");
  const history = useHistory(threadId, `${version}:${changes}:${reload}`);
  // The thread's row changes when its mirror catches up (a run's last messages, another tab's edit):
  // the timeline reloads then too, but not when the row first arrives.
  const stamp = thread ? `${thread.thread_id}:${thread.updated_at}:${thread.head_checkpoint_id}` : null;
  const lastStamp = useRef<string | null>(null);
  useEffect(() => {
    if (lastStamp.current && stamp && stamp !== lastStamp.current) setChanges((c) => c + 1);
    lastStamp.current = stamp;
  }, [stamp]);
  const { running, busy, tick } = useRunningNodes(thread, history.entries[0], own);
  const { graph, error: graphError } = useGraph(thread?.assistant_id ?? null);

  // While a run goes on the timeline follows it; when it ends, one more reload catches its last checkpoint.
  useEffect(() => setReload(`${busy}:${tick}`), [busy, tick]);
  useEffect(() => setSelected(null), [threadId]);
  const graphNodes = useMemo(() => (graph?.nodes ?? []).map((n) => String(n.id)).filter((id) => !id.startsWith("__")), [graph]);

  if (!threadId) return <p className="empty">Open a thread to inspect its graph and checkpoints.</p>;
  if (error) return <p className="error-text empty">{error}</p>;
  // The timeline needs only the thread's id: it does not wait for the thread's row or its graph.
  return (
    <div className="inspector">
      {thread ? (
        <>
          <dl className="thread-ids">
            <dt>List id</dt>
            <dd>
              <code>{thread.thread_id}</code>
            </dd>
            <dt>UUID</dt>
            <dd>
              <code>{thread.thread_uuid}</code>
            </dd>
            <dt>Graph</dt>
            <dd>
              {thread.graph_id} <span className="muted">· assistant {thread.assistant_id} · {busy ? "running" : thread.status}</span>
            </dd>
          </dl>
          <Suspense fallback={<div className="inspector-graph" />}>
            {graph ? <GraphView graph={graph} running={running} next={selected?.next ?? []} /> : <p className="muted inspector-graph">{graphError ?? "Loading the graph…"}</p>}
          </Suspense>
        </>
      ) : (
        <p className="muted inspector-loading">Loading…</p>
      )}
      <h3 className="inspector-heading">Checkpoints</h3>
      <Timeline history={history} headId={thread?.head_checkpoint_id ?? null} selectedId={selected?.checkpoint_id ?? null} onSelect={setSelected} />
      {selected && thread && (
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <CheckpointDetail
            key={selected.checkpoint_id}
            thread={thread}
            entry={selected}
            nodes={graphNodes}
            onRunning={(node, isRunning) => setOwn({ running: isRunning, node })}
            onChanged={() => setChanges((c) => c + 1)}
          />
        </Suspense>
      )}
    </div>
  );
}
