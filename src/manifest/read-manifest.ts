import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { StartupError } from "../startup-error.js";

/** One graph of the manifest: where it is, as the LangGraph CLI writes it (`./file.ts:export`). */
export interface GraphSpec {
  id: string;
  /** As written in the manifest, for messages. */
  spec: string;
  file: string;
  exportName: string;
}

export interface Manifest {
  path: string;
  /** The folder paths in the manifest are relative to. */
  dir: string;
  graphs: GraphSpec[];
  /** An env file (absolute) or variables, applied before the graphs load. */
  env?: string | Record<string, string>;
  /** `auth.path`, as a spec like a graph's. */
  auth?: Omit<GraphSpec, "id">;
  /** `store.index`: the store's items are embedded (by an OpenAI-compatible model) and searched by meaning. */
  storeIndex?: StoreIndexSpec;
  /** `http`: the custom app (`http.app`), CORS, and which built-in route groups are off. */
  http: HttpSettings;
  /** `ui`: each graph's generative UI components (a .tsx file), by graph id; `ui_config.shared` with them. */
  ui: { id: string; spec: string; file: string }[];
  uiShared: string[];
  /** `checkpointer.ttl`: threads expire this long after they last changed (see src/retention). */
  checkpointerTtl?: CheckpointerTtl;
}

/** `checkpointer.ttl` as LangGraph's platform defines it; minutes throughout. */
export interface CheckpointerTtl {
  /** "delete": the thread and all it holds; "keep_latest": every checkpoint but the newest (and pauses). */
  strategy: "delete" | "keep_latest";
  defaultTtlMinutes: number;
  sweepIntervalMinutes: number;
  /** Threads a sweep handles at most. */
  sweepLimit: number;
}

/** The built-in route groups `http.disable_<group>` turns off, as LangGraph's server names them. */
export const ROUTE_GROUPS = ["assistants", "threads", "runs", "store", "meta"] as const;
export type RouteGroup = (typeof ROUTE_GROUPS)[number];

/** The manifest's `http.cors`, as LangGraph's server reads it (Starlette's CORSMiddleware's options). */
export interface ManifestCors {
  allow_origins?: string[];
  allow_origin_regex?: string;
  allow_methods?: string[];
  allow_headers?: string[];
  allow_credentials?: boolean;
  expose_headers?: string[];
  max_age?: number;
}

export interface HttpSettings {
  app?: Omit<GraphSpec, "id">;
  cors?: ManifestCors;
  disabled: ReadonlySet<RouteGroup>;
  /** Keys of `http` this server does not implement (LangGraph's Python server has more), to warn about. */
  unknownKeys: string[];
}

/** `store.index` as LangGraph's platform writes it: `{"embed": "openai:text-embedding-3-small", "dims": 1536, "fields": ["$"]}`. */
export interface StoreIndexSpec {
  /** The embedding model's name at the OpenAI-compatible server (the part after `openai:`). */
  model: string;
  dims: number;
  fields?: string[];
}

const specString = z.string().min(1).regex(/^[^:]+(:[A-Za-z_$][\w$]*)?$/, "must be ./file.ts or ./file.ts:exportName");
const graphEntry = z.union([specString, z.object({ path: specString, description: z.string().optional() })]);

const storeIndex = z.object({
  embed: z.string().regex(/^openai:.+/, 'must be "openai:<model>" (an embedding model of the OpenAI-compatible server, e.g. "openai:text-embedding-3-small")'),
  dims: z.number().int().min(1).max(16_000),
  fields: z.array(z.string().min(1)).min(1).optional(),
}).loose();

const cors = z.strictObject({
  allow_origins: z.array(z.string().min(1)).optional(),
  allow_origin_regex: z
    .string()
    .min(1)
    .refine((source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    }, "must be a valid regular expression")
    .optional(),
  allow_methods: z.array(z.string().regex(/^[A-Za-z*]+$/, "must be method names")).optional(),
  allow_headers: z.array(z.string().min(1)).optional(),
  allow_credentials: z.boolean().optional(),
  expose_headers: z.array(z.string().min(1)).optional(),
  max_age: z.number().int().min(0).optional(),
});
const http = z
  .object({
    app: specString.optional(),
    cors: cors.optional(),
    ...Object.fromEntries(ROUTE_GROUPS.map((group) => [`disable_${group}`, z.boolean().optional()])),
  })
  .loose();

// LangGraph's platform types: sweep_interval_minutes and sweep_limit are integers there; a fraction
// of a minute is accepted here too (tests, demos). default_ttl is optional there because a thread
// can carry its own TTL; here it is the only one, so a ttl block without it would do nothing.
const ttl = z.strictObject({
  strategy: z.enum(["delete", "keep_latest"], 'must be "delete" or "keep_latest"').default("delete"),
  default_ttl: z.number('is required: minutes after a thread\'s last change (e.g. 43200 for 30 days)').positive("must be a positive number of minutes"),
  sweep_interval_minutes: z.number("must be a number of minutes").positive("must be a positive number of minutes").default(5),
  sweep_limit: z.number("must be a whole number of threads").int("must be a whole number of threads").min(1, "must be at least 1").default(1000),
});
const checkpointer = z
  .object({
    // The platform's other backends (custom, mongo) replace the checkpointer; this server has one.
    backend: z.literal("default", 'must be "default": threadloom always uses its PostgreSQL checkpointer').optional(),
    ttl: ttl.nullish(),
  })
  .loose();

// Other keys the LangGraph CLI knows (dependencies, node_version...) are allowed and ignored here.
const manifestSchema = z.object({
  graphs: z.record(z.string().min(1), graphEntry).refine((g) => Object.keys(g).length > 0, "must list at least one graph"),
  env: z.union([z.string().min(1), z.record(z.string(), z.coerce.string())]).optional(),
  auth: z.object({ path: specString.optional() }).loose().optional(),
  store: z.object({ index: storeIndex.optional() }).loose().optional(),
  http: http.optional(),
  ui: z.record(z.string().min(1), z.string().min(1)).optional(),
  ui_config: z.object({ shared: z.array(z.string().min(1)).optional() }).loose().optional(),
  checkpointer: checkpointer.optional(),
});

const HTTP_KEYS = new Set(["app", "cors", ...ROUTE_GROUPS.map((group) => `disable_${group}`)]);

/** Reads `langgraph.json`: a problem is a StartupError of one line naming the file and what is wrong. */
export async function readManifest(path: string): Promise<Manifest> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StartupError(`${file}: the graph manifest ${code === "ENOENT" ? "does not exist (set LANGGRAPH_JSON to its path)" : `cannot be read (${code})`}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StartupError(`${file}: the graph manifest is not valid JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StartupError(`${file}: ${issue.path.join(".") || "the manifest"} ${issue.message}`);
  }
  const dir = dirname(file);
  const specOf = (spec: string) => {
    const [path, exportName] = spec.split(":", 2);
    return { spec, file: resolve(dir, path), exportName: exportName ?? "default" };
  };
  const { graphs, env, auth, store, ui, ui_config } = parsed.data;
  const ttlEntry = parsed.data.checkpointer?.ttl;
  const httpEntry = (parsed.data.http ?? {}) as Record<string, unknown> & z.infer<typeof http>;
  return {
    path: file,
    dir,
    graphs: Object.entries(graphs).map(([id, entry]) => ({ id, ...specOf(typeof entry === "string" ? entry : entry.path) })),
    env: typeof env === "string" ? resolve(dir, env) : env,
    auth: auth?.path ? specOf(auth.path) : undefined,
    storeIndex: store?.index && { model: store.index.embed.slice("openai:".length), dims: store.index.dims, fields: store.index.fields },
    http: {
      app: httpEntry.app ? specOf(httpEntry.app) : undefined,
      cors: httpEntry.cors,
      disabled: new Set(ROUTE_GROUPS.filter((group) => httpEntry[`disable_${group}`] === true)),
      unknownKeys: Object.keys(httpEntry).filter((key) => !HTTP_KEYS.has(key)),
    },
    ui: Object.entries(ui ?? {}).map(([id, path]) => ({ id, spec: path, file: resolve(dir, path) })),
    uiShared: ui_config?.shared ?? [],
    checkpointerTtl: ttlEntry
      ? { strategy: ttlEntry.strategy, defaultTtlMinutes: ttlEntry.default_ttl, sweepIntervalMinutes: ttlEntry.sweep_interval_minutes, sweepLimit: ttlEntry.sweep_limit }
      : undefined,
  };
}
