import type { CompiledStateGraph } from "@langchain/langgraph";
import { AppError } from "../errors.js";

// The registry holds graphs of different state shapes; callers use only the shared surface.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyGraph = CompiledStateGraph<any, any, any, any, any, any>;

export interface ResolvedGraph {
  graphId: string;
  assistantId: string;
  graph: AnyGraph;
  /** A stored assistant's settings, passed to the graph as `configurable`; none for a graph's defaults. */
  configurable?: Record<string, unknown>;
  /** The stored assistant's version that answers; null for a graph's defaults. */
  assistantVersion?: number | null;
}

/** What a graph lets an assistant set: `configurable` keys it reads, and the names of its tools. */
export interface GraphCapabilities {
  settings: readonly string[];
  tools: readonly string[];
}

/** The graphs this service runs, by graph id. An assistant id that is a graph id means its defaults. */
export class GraphRegistry {
  private readonly graphs: Map<string, AnyGraph>;

  constructor(
    graphs: Record<string, AnyGraph>,
    readonly defaultGraphId: string,
    private readonly capabilities: Record<string, GraphCapabilities> = {},
  ) {
    this.graphs = new Map(Object.entries(graphs));
    if (!this.graphs.has(defaultGraphId)) throw new Error(`default graph ${defaultGraphId} is not registered`);
  }

  ids(): string[] {
    return [...this.graphs.keys()];
  }

  resolve(assistantId: string | undefined): ResolvedGraph {
    const id = assistantId ?? this.defaultGraphId;
    const graph = this.graphs.get(id);
    if (!graph) {
      throw new AppError("not_found", `Assistant or graph "${id}" was not found. Known graphs: ${this.ids().join(", ")}.`);
    }
    return { graphId: id, assistantId: id, graph };
  }

  /** A stored assistant: its graph, run with its settings. */
  resolveStored(assistant: { assistantId: string; graphId: string; version: number; config: object }): ResolvedGraph {
    const { graph } = this.resolve(assistant.graphId);
    return { graphId: assistant.graphId, assistantId: assistant.assistantId, graph, configurable: { ...assistant.config }, assistantVersion: assistant.version };
  }

  has(graphId: string): boolean {
    return this.graphs.has(graphId);
  }

  /** What an assistant of this graph may set; a graph registered without capabilities allows nothing. */
  capabilitiesOf(graphId: string): GraphCapabilities {
    return this.capabilities[graphId] ?? { settings: [], tools: [] };
  }

  /** The graph a thread was created with. */
  get(graphId: string): AnyGraph {
    return this.resolve(graphId).graph;
  }
}
