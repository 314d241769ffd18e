import { StartupError } from "../startup-error.js";
import { importExport } from "./import-export.js";
import type { Manifest } from "./read-manifest.js";

/** What an `on(...)` handler of `@langchain/langgraph-sdk/auth` is called with. */
export interface AuthHandlerArgs {
  event: string;
  resource: string;
  action: string;
  value: unknown;
  permissions: string[];
  user: Record<string, unknown>;
}

/**
 * The manifest's `auth.path` export: an `Auth` of `@langchain/langgraph-sdk/auth`, read through its
 * handler cache as LangGraph's server reads it (live: handlers registered later count too).
 */
export interface CustomAuth {
  /** `auth.path` as the manifest writes it, for messages. */
  spec: string;
  authenticate(request: Request): Promise<unknown>;
  /** The handler for `resource:action`, the most specific registered: `resource:action`, `resource`, `*:action`, `*`. */
  handlerFor(resource: string, action: string): ((args: AuthHandlerArgs) => unknown) | undefined;
}

interface HandlerCache {
  authenticate?: (request: Request) => unknown;
  callbacks?: Record<string, (args: AuthHandlerArgs) => unknown>;
}

/**
 * Imports the manifest's auth module through the loader graphs use (TypeScript anywhere, the project's
 * LangGraph SDK). A problem stops start-up: a StartupError of one line naming `auth.path`.
 */
export async function loadAuth(auth: NonNullable<Manifest["auth"]>): Promise<CustomAuth> {
  const fail = (problem: string) => new StartupError(`auth (${auth.spec}): ${problem}`);
  const exported = await importExport(auth.file, auth.exportName, fail, "auth modules");
  // Duck-typed, as upstream does: the module's copy of the SDK may not be the service's.
  const cache = (exported as { "~handlerCache"?: HandlerCache } | null)?.["~handlerCache"];
  if (typeof cache !== "object" || cache === null) {
    throw fail(`export "${auth.exportName}" is not an Auth of @langchain/langgraph-sdk/auth (export new Auth().authenticate(...))`);
  }
  if (typeof cache.authenticate !== "function") {
    // Upstream would then treat every request as anonymous and skip every handler: refused instead.
    throw fail(`export "${auth.exportName}" has no authenticate handler: call .authenticate(async (request) => identity) on it`);
  }
  return {
    spec: auth.spec,
    authenticate: async (request) => cache.authenticate!(request),
    handlerFor(resource, action) {
      const callbacks = cache.callbacks ?? {};
      const key = [`${resource}:${action}`, resource, `*:${action}`, "*"].find((k) => Object.hasOwn(callbacks, k));
      return key === undefined ? undefined : callbacks[key];
    },
  };
}
