import { useEffect, useRef, useState } from "react";
import { useApp } from "../shell/app-context";
import type { GraphShape } from "./layout-graph";

/** The drawable graph of an assistant (`GET /assistants/:id/graph`). */
export function useGraph(assistantId: string | null): { graph: GraphShape | null; error: string | null } {
  // The app's clients are new objects whenever the thread list changes: that is no reason to reload.
  const latest = useApp().client;
  const client = useRef(latest);
  client.current = latest;
  const [graph, setGraph] = useState<GraphShape | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setGraph(null);
    setError(null);
    if (!assistantId) return;
    const abort = new AbortController();
    client.current.assistants
      .getGraph(assistantId, { signal: abort.signal })
      .then((g) => setGraph({ nodes: g.nodes, edges: g.edges }))
      .catch((err: Error) => !abort.signal.aborted && setError(err.message));
    return () => abort.abort();
  }, [assistantId]);
  return { graph, error };
}
