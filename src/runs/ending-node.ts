import { END, START } from "@langchain/langgraph";
import type { AnyGraph } from "./graph-registry.js";

/**
 * The node to write messages "as" so that a graph has nothing left to do afterwards: LangGraph
 * derives `next` from the edges of the node an update is attributed to. Written as the entry node
 * of an agent loop (the chat graph's `agent`), a message without tool calls routes to END; written
 * as `tools`, or as no node on a new thread, it would schedule the model.
 *
 * The entry node is preferred when it can end the graph, so that adding another node that can end
 * it (an approval step, say) does not change the choice; otherwise the one node that can.
 */
export function endingNode(graph: AnyGraph): string {
  const { edges, branches, nodes } = graph.builder;
  const canEnd = new Set<string>();
  for (const [from, to] of edges) if (to === END && from !== START) canEnd.add(from);
  for (const [from, byName] of Object.entries(branches)) {
    for (const branch of Object.values(byName)) if (Object.values(branch.ends ?? {}).includes(END)) canEnd.add(from);
  }
  for (const [name, spec] of Object.entries(nodes) as [string, { ends?: string[] }][]) if (spec.ends?.includes(END)) canEnd.add(name);

  const entries = [...edges].filter(([from]) => from === START).map(([, to]) => to as string);
  const entry = entries.length === 1 && canEnd.has(entries[0]) ? entries[0] : undefined;
  if (entry) return entry;
  if (canEnd.size === 1) return [...canEnd][0];
  throw new Error(`cannot tell which node of the graph ends a turn (candidates: ${[...canEnd].join(", ") || "none"})`);
}
