import { Background, Controls, ReactFlow, type Edge, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import { layoutGraph, type GraphShape } from "./layout-graph";
import { StepNode } from "./step-node";

const NODE_TYPES = { step: StepNode };

interface GraphViewProps {
  graph: GraphShape;
  /** Nodes running now: lit. */
  running: string[];
  /** Nodes that run next from the selected checkpoint: marked. */
  next: string[];
}

/** The graph, laid out top to bottom; conditional edges dashed; the running node lit. */
export function GraphView({ graph, running, next }: GraphViewProps) {
  const layout = useMemo(() => layoutGraph(graph), [graph]);
  const nodes = useMemo<Node[]>(
    () =>
      layout.nodes.map((n) => {
        const isRunning = running.includes(n.id);
        const isNext = next.includes(n.id);
        const states = [isRunning && "running", isNext && "runs next"].filter(Boolean).join(", ");
        return {
          id: n.id,
          position: { x: n.x, y: n.y },
          data: { label: n.id },
          width: n.width,
          height: n.height,
          type: "step",
          className: ["graph-node", n.terminal && "terminal", isRunning && "running", isNext && "next"].filter(Boolean).join(" "),
          ariaLabel: states ? `${n.id}, ${states}` : n.id,
          domAttributes: isRunning ? { "aria-current": "step" } : {},
          draggable: false,
          connectable: false,
        } satisfies Node;
      }),
    [layout, running, next],
  );
  const edges = useMemo<Edge[]>(() => {
    const y = new Map(layout.nodes.map((n) => [n.id, n.y]));
    return layout.edges.map((e) => {
      const back = (y.get(e.target) ?? 0) < (y.get(e.source) ?? 0);
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        sourceHandle: back ? "back-out" : "bottom",
        targetHandle: back ? "back-in" : "top",
        className: e.conditional ? "conditional" : undefined,
        animated: false,
        focusable: false,
      };
    });
  }, [layout]);
  return (
    <div className="inspector-graph" role="figure" aria-label="Graph">
      <ReactFlow
        nodes={nodes}
        nodeTypes={NODE_TYPES}
        edges={edges}
        fitView
        fitViewOptions={{ padding: 0.2 }}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        minZoom={0.3}
      >
        <Background gap={16} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
