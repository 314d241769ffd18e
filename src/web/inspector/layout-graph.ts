import dagre from "@dagrejs/dagre";

export interface GraphShape {
  nodes: { id: string | number; name?: string }[];
  edges: { source: string; target: string; conditional?: boolean }[];
}

export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** `__start__` and `__end__`: drawn small. */
  terminal: boolean;
}

export interface PlacedEdge {
  id: string;
  source: string;
  target: string;
  conditional: boolean;
}

const TERMINALS = new Set(["__start__", "__end__"]);

/** Top-to-bottom positions (top-left corners) for a graph's nodes, by dagre. */
export function layoutGraph(graph: GraphShape): { nodes: PlacedNode[]; edges: PlacedEdge[] } {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 44, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) {
    const id = String(node.id);
    const terminal = TERMINALS.has(id);
    g.setNode(id, { width: terminal ? 72 : Math.max(96, 9 * id.length + 28), height: terminal ? 24 : 36 });
  }
  const edges = graph.edges.map((e, i) => ({ id: `${e.source}->${e.target}#${i}`, source: e.source, target: e.target, conditional: Boolean(e.conditional) }));
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target, {}, e.id);
  dagre.layout(g);
  const nodes = g.nodes().map((id) => {
    const n = g.node(id);
    return { id, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height, terminal: TERMINALS.has(id) };
  });
  return { nodes, edges: edges.filter((e) => g.hasNode(e.source) && g.hasNode(e.target)) };
}
