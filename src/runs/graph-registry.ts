import type { BaseCheckpointSaver, BaseStore, CompiledStateGraph } from "@langchain/langgraph";
import type { AssistantConfig, JsonObject } from "../assistants/assistant-config.js";
import { noAssistant } from "../errors.js";
import { type GraphDefaults, NO_DEFAULTS } from "../manifest/graph-defaults.js";
import type { GraphConfig, LoadedGraph } from "../manifest/load-graph.js";
import { OutsideRunStore } from "../store/outside-run-store.js";
import type { ThreadConfig } from "./thread-config.js";

// The registry holds graphs of different state shapes; callers use only the shared surface.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyGraph = CompiledStateGraph<any, any, any, any, any, any>;

export interface ResolvedGraph {
  graphId: string;
  assistantId: string;
  /** What the graph gets as `configurable`: the assistant's, or the graph's defaults. */
  configurable: JsonObject;
  /** What the graph gets as `context`; none when neither the assistant nor the defaults give one. */
  context?: JsonObject;
  /** The stored assistant's version that answers; null for a graph's defaults. */
  assistantVersion: number | null;
}

/** Where every graph keeps its state, whatever it was compiled with. */
export interface GraphStorage {
  checkpointer: BaseCheckpointSaver;
  /**
   * A tenant's store, which each of its runs gets as `config.store`. Graphs then hold one that
   * refuses (see OutsideRunStore); without it they keep the store they were compiled with.
   */
  storeFor?: (tenantId: string) => BaseStore;
  /** The config a thread's newest run had (see thread-config); null: the graph's defaults. */
  threadConfig?: (threadId: string) => Promise<ThreadConfig | null>;
}

/**
 * The graphs of the manifest, by graph id. An assistant id that is a graph id means its defaults
 * (LANGGRAPH_CONFIG's entry for it). A factory graph is built for each use from the config it is
 * used with (the run's, or the thread's).
 */
export class GraphRegistry {
  private readonly graphs: Map<string, LoadedGraph>;

  constructor(
    graphs: LoadedGraph[],
    readonly defaultGraphId: string,
    private readonly storage: GraphStorage,
    private readonly graphDefaults: ReadonlyMap<string, GraphDefaults> = new Map(),
  ) {
    this.graphs = new Map(graphs.map((g) => [g.spec.id, g.graph ? { spec: g.spec, graph: this.attach(g.graph) } : g]));
    if (!this.graphs.has(defaultGraphId)) throw new Error(`default graph ${defaultGraphId} is not in the manifest`);
  }

  ids(): string[] {
    return [...this.graphs.keys()];
  }

  has(graphId: string): boolean {
    return this.graphs.has(graphId);
  }

  /** The store a run of this tenant gets (`config.store`); none when the service keeps no store. */
  storeFor(tenantId: string): BaseStore | undefined {
    return this.storage.storeFor?.(tenantId);
  }

  /** The config and context a graph's own assistant runs with. */
  defaults(graphId: string): GraphDefaults {
    return this.graphDefaults.get(graphId) ?? NO_DEFAULTS;
  }

  /** A graph id (or none: the default graph), run with its defaults. */
  resolve(assistantId: string | undefined): ResolvedGraph {
    const id = assistantId ?? this.defaultGraphId;
    this.find(id);
    return { graphId: id, assistantId: id, ...runWith(this.defaults(id)), assistantVersion: null };
  }

  /** A stored assistant: its graph, run with its config and context. */
  resolveStored(assistant: { assistantId: string; graphId: string; version: number; config: AssistantConfig; context: JsonObject }): ResolvedGraph {
    this.find(assistant.graphId);
    return { graphId: assistant.graphId, assistantId: assistant.assistantId, ...runWith(assistant), assistantVersion: assistant.version };
  }

  /** The graph, built from `config` when the manifest gave a factory, with the service's storage. */
  async get(graphId: string, config: GraphConfig = {}): Promise<AnyGraph> {
    const loaded = this.find(graphId);
    if (loaded.graph) return loaded.graph;
    return this.attach(await loaded.factory({ ...config, configurable: { ...config.configurable } }));
  }

  /**
   * The graph that reads and writes a thread's state outside a run: a factory's is built with the
   * config of the thread's newest run (its nodes may depend on it), else the graph's defaults.
   */
  async forThread(graphId: string, threadId: string): Promise<AnyGraph> {
    const loaded = this.find(graphId);
    if (loaded.graph) return loaded.graph;
    const config = (await this.storage.threadConfig?.(threadId)) ?? this.resolve(graphId);
    return this.get(graphId, { configurable: { ...config.configurable, thread_id: threadId }, context: config.context });
  }

  /**
   * A copy of the graph with this service's storage, made as LangGraph's own `withConfig` copies a
   * graph: the module's graph is one object per process, and two services in a process (tests,
   * an embedding app) each keep their own.
   */
  private attach(graph: AnyGraph): AnyGraph {
    const Graph = graph.constructor as new (fields: object) => AnyGraph;
    return new Graph({ ...graph, checkpointer: this.storage.checkpointer, store: this.storage.storeFor ? new OutsideRunStore() : graph.store });
  }

  private find(graphId: string): LoadedGraph {
    const loaded = this.graphs.get(graphId);
    if (!loaded) throw noAssistant(graphId, this.ids());
    return loaded;
  }
}

function runWith(a: { config: AssistantConfig; context: JsonObject }): { configurable: JsonObject; context?: JsonObject } {
  return { configurable: { ...a.config.configurable }, ...(Object.keys(a.context).length > 0 ? { context: a.context } : {}) };
}
