import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AnyGraph } from "../runs/graph-registry.js";
import { StartupError } from "../startup-error.js";
import { importExport } from "./import-export.js";
import type { GraphSpec } from "./read-manifest.js";

/** What a run's graph is built from: the run's `configurable` and `context`. */
export type GraphConfig = Pick<LangGraphRunnableConfig, "configurable" | "context">;

/** A graph as the manifest gives it: built once, or by a factory for each run's config. */
export type LoadedGraph = { spec: GraphSpec; graph: AnyGraph; factory?: never } | { spec: GraphSpec; factory: (config: GraphConfig) => Promise<AnyGraph>; graph?: never };

const isCompiled = (value: unknown): value is AnyGraph =>
  typeof value === "object" && value !== null && typeof (value as AnyGraph).getState === "function" && typeof (value as AnyGraph).streamEvents === "function";

/**
 * Whatever the LangGraph CLI accepts as a graph: a compiled graph; a `StateGraph` not compiled yet
 * (compiled here); `createAgent`'s agent (the compiled graph it wraps); a Promise of any of these.
 */
function toCompiled(value: unknown, what: string): AnyGraph {
  const inner = (value as { graph?: unknown } | null)?.graph;
  if (isCompiled(inner)) return inner;
  if (isCompiled(value)) return value;
  if (typeof value === "object" && value !== null && typeof (value as { compile?: unknown }).compile === "function") {
    return toCompiled((value as { compile(): unknown }).compile(), what);
  }
  throw new Error(`${what} is not a graph: expected a compiled graph, a StateGraph, createAgent's agent, or a function returning one (got ${describe(value)})`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name && value.constructor.name !== "Object" ? `an instance of ${value.constructor.name}` : "a plain object";
}

/**
 * Imports one graph of the manifest. A function export is a factory, called for each run with that
 * run's config (as upstream); anything else is resolved now. A problem is a StartupError naming the
 * graph id and its path.
 */
export async function loadGraph(spec: GraphSpec): Promise<LoadedGraph> {
  const fail = (problem: string) => new StartupError(`graph "${spec.id}" (${spec.spec}): ${problem}`);
  const exported = await importExport(spec.file, spec.exportName, fail);
  const what = `export "${spec.exportName}"`;
  if (typeof exported === "function" && !isCompiled(exported)) {
    const build = exported as (config: GraphConfig) => unknown;
    return { spec, factory: async (config) => toCompiled(await build(config), `what ${what} returned`) };
  }
  try {
    return { spec, graph: toCompiled(await exported, what) };
  } catch (err) {
    throw fail((err as Error)?.message ?? String(err));
  }
}
