import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { LoadedGraph } from "../manifest/load-graph.js";
import { extractInWorker } from "./extract-in-worker.js";
import type { StaticSchemas, StaticTarget } from "./extract-static-schemas.js";
import { withFileLock } from "./file-lock.js";
import { type GraphSchema, mergeGraphSchemas, NO_SCHEMA } from "./graph-schema.js";
import { runtimeGraphSchema } from "./runtime-graph-schema.js";
import { SchemaCache } from "./schema-cache.js";
import { untypedGraphSchema } from "./untyped-graph-schema.js";

export interface GraphSchemasOptions {
  graphs: LoadedGraph[];
  logger: Logger;
  /** SCHEMA_CACHE_DIR: where schemas read from types are kept between starts. */
  cacheDir: string;
  /** SCHEMA_WAIT_MS: how long a request waits for types still being read before it is answered without them. */
  waitMs: number;
  /** SCHEMA_EXTRACT_TIMEOUT_MS: how long the compiler may take (and another process's lock be waited for). */
  extractTimeoutMs: number;
  /** Where the service's own packages are (graphs outside it resolve LangGraph and LangChain there). */
  projectRoot: string;
}

/**
 * Each graph's schemas, as `langgraphjs dev` gives them. A graph with a Zod or StateSchema state
 * carries them at run time; an Annotation graph's come from its TypeScript types, read once at
 * start-up in a worker thread (`start`), from the cache when the files have not changed. A request
 * made while they are read waits for them, at most `waitMs`; without them (not read yet, or not
 * readable: one warning at start-up) the state's keys are named untyped, as before.
 */
export class GraphSchemas {
  private readonly fromTypes = new Map<string, Promise<StaticSchemas | null>>();
  /** Run-time schemas by graph builder (shared by a graph's copies): a Zod schema is converted once. */
  private readonly atRuntime = new WeakMap<object, GraphSchema>();

  constructor(private readonly options: GraphSchemasOptions) {}

  /** Starts reading the types of the graphs that need it; resolves when done (never rejects). Nothing waits for it at start-up. */
  start(): Promise<void> {
    const targets = this.options.graphs.filter(needsTypes).map((g): StaticTarget => ({ graphId: g.spec.id, file: g.spec.file, exportName: g.spec.exportName }));
    if (targets.length === 0) return Promise.resolve();
    const read = this.readTypes(targets);
    for (const { graphId } of targets) this.fromTypes.set(graphId, read.then((found) => found.get(graphId) ?? null));
    return read.then(() => {});
  }

  /** `/assistants/:id/schemas`: the graph's run-time schemas, the rest from its types, else untyped. */
  async forGraph(graphId: string, graph: unknown): Promise<GraphSchema> {
    const runtime = this.runtimeOf(graph);
    const typed = runtime.state ? undefined : await this.typesOf(graphId);
    return withUntyped(mergeGraphSchemas(runtime, typed?.root ?? NO_SCHEMA), graphId, graph);
  }

  /** `/assistants/:id/subgraphs`: one subgraph's, by its namespace (`node|inner`). */
  async forSubgraph(graphId: string, namespace: string, subgraph: unknown): Promise<GraphSchema> {
    const runtime = this.runtimeOf(subgraph);
    const typed = runtime.state ? undefined : await this.typesOf(graphId);
    return withUntyped(mergeGraphSchemas(runtime, typed?.subgraphs[namespace] ?? NO_SCHEMA), namespace, subgraph);
  }

  private runtimeOf(graph: unknown): GraphSchema {
    const builder = (graph as { builder?: unknown } | null)?.builder;
    if (typeof builder !== "object" || builder === null) return runtimeGraphSchema(graph);
    let schema = this.atRuntime.get(builder);
    if (!schema) this.atRuntime.set(builder, (schema = runtimeGraphSchema(graph)));
    return schema;
  }

  private async typesOf(graphId: string): Promise<StaticSchemas | null> {
    const pending = this.fromTypes.get(graphId);
    if (!pending) return null;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.options.waitMs);
    });
    try {
      return await Promise.race([pending, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async readTypes(targets: StaticTarget[]): Promise<Map<string, StaticSchemas>> {
    const { logger, cacheDir, extractTimeoutMs, projectRoot } = this.options;
    const began = performance.now();
    const found = new Map<string, StaticSchemas>();
    const failed = (graphId: string, error: string) =>
      logger.warn({ graphId, error }, `graph ${graphId}: its schemas could not be read from its types (${error}); its state's keys are given untyped`);
    const cache = await SchemaCache.open(cacheDir).catch((err) => {
      logger.warn({ err, dir: cacheDir }, `SCHEMA_CACHE_DIR ${cacheDir} cannot be used (${(err as Error).message}): graphs' types are read at every start`);
      return undefined;
    });
    let cached = 0;
    const readCache = async (wanted: StaticTarget[]) => {
      const left: StaticTarget[] = [];
      for (const target of wanted) {
        const read = await cache?.read(target);
        if (!read) left.push(target);
        else if ("schemas" in read) found.set(target.graphId, read.schemas);
        else failed(target.graphId, read.error);
        if (read) cached++;
      }
      return left;
    };
    let missing = await readCache(targets);
    const extract = async () => {
      // Another process may have read them while this one waited for the lock.
      missing = await readCache(missing);
      if (missing.length === 0) return;
      for (const result of await extractInWorker(missing, { projectRoot, timeoutMs: extractTimeoutMs })) {
        const target = missing.find((t) => t.graphId === result.graphId)!;
        if (result.ok) found.set(result.graphId, result.schemas);
        else failed(result.graphId, result.error);
        const read = result.ok ? { schemas: result.schemas } : { error: result.error };
        await cache?.write(target, read, result.files).catch((err) => logger.warn({ err, dir: cacheDir }, "could not keep a graph's schemas in SCHEMA_CACHE_DIR"));
      }
    };
    if (missing.length > 0) {
      try {
        if (cache) await withFileLock(await cache.lockPath(missing), extractTimeoutMs, extract);
        else await extract();
      } catch (err) {
        const ids = missing.map((t) => t.graphId);
        logger.warn({ err, graphs: ids }, `the schemas of ${ids.join(", ")} could not be read from their types (${(err as Error)?.message}); their state's keys are given untyped`);
      }
    }
    const ms = Math.round(performance.now() - began);
    logger.info({ graphs: [...found.keys()], fromCache: cached, ms }, `graph schemas read from types (${found.size} of ${targets.length}, ${cached} from the cache) in ${ms} ms`);
    return found;
  }
}

/** Graphs whose state schema is not known at run time: Annotation graphs, and factories (known only once built). */
function needsTypes(loaded: LoadedGraph): boolean {
  return Boolean(loaded.factory) || runtimeGraphSchema(loaded.graph).state === null;
}

function withUntyped(schema: GraphSchema, title: string, graph: unknown): GraphSchema {
  return schema.state ? schema : mergeGraphSchemas(schema, untypedGraphSchema(title, graph));
}
