import type { IncomingHttpHeaders } from "node:http";

// Credentials and routing headers a graph has no business seeing (as LangGraph's server keeps out).
const KEPT_OUT = new Set(["x-api-key", "x-tenant-id", "x-service-key"]);

/**
 * What a run gets in `configurable` from its request's headers, as LangGraph's server gives it:
 * every `x-` header (but a few credentials) and `user-agent`, by their lower-case names, over what
 * the body's `config.configurable` says under those names. A proxy or a custom app's middleware can
 * so pass a graph values the client did not put in the body.
 */
export function headerConfigurable(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || KEPT_OUT.has(name)) continue;
    if (name.startsWith("x-") || name === "user-agent") out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
