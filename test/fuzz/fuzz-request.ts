import { DEEP, DEEP_LEVELS, hostileString, hostileValue } from "./hostile-values.js";
import type { Prng } from "./prng.js";
import type { RouteRequest } from "./route-generators.js";

/** A request exactly as sent: enough to send it again by hand. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Percent-encodes every byte but the unreserved ones; a lone surrogate goes as U+FFFD, as any UTF-8 encoder sends it. */
export function encodeComponent(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** JSON, with the deep-nesting stand-in replaced by DEEP_LEVELS nested arrays (too deep to build as a value). */
function serialise(body: unknown): string {
  const json = JSON.stringify(body) ?? "null";
  const deep = JSON.stringify(DEEP);
  return json.includes(deep) ? json.split(deep).join(`${"[".repeat(DEEP_LEVELS)}1${"]".repeat(DEEP_LEVELS)}`) : json;
}

function mutateBody(rng: Prng, body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body) || rng.chance(0.1)) return rng.chance(0.5) ? hostileValue(rng) : [body];
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const keys = Object.keys(out);
  switch (rng.int(4)) {
    case 0:
      if (keys.length) delete out[rng.pick(keys)];
      break;
    case 1:
      if (keys.length) out[rng.pick(keys)] = hostileValue(rng);
      break;
    case 2:
      out[rng.pick(["extra", "__proto__", "constructor", "thread_id", "assistant_id", "messages", "limit", "", "\u0000"])] = hostileValue(rng);
      break;
    default:
      if (keys.length) out[rng.pick(keys)] = { nested: out[rng.pick(keys)] };
  }
  return out;
}

function mutateQuery(rng: Prng, parts: string[]): string[] {
  switch (rng.int(5)) {
    case 0:
      return [...parts, `${rng.pick(["extra", "limit", "__proto__", "a[b]", "cursor", "stream_mode"])}=${encodeComponent(hostileString(rng))}`];
    case 1:
      return parts.length ? [...parts, parts[rng.int(parts.length)]!] : ["limit=1", "limit=2"];
    case 2:
      return [...parts, rng.pick(["%ZZ=1", "x=%E0%A4%A", "%=%", "&&&", "=", "limit=%00", "q=%ED%A0%80", "cursor=%FF%FE"])];
    case 3:
      return parts.map((p) => (rng.chance(0.5) ? `${p.split("=")[0]}=${encodeComponent(hostileString(rng))}` : p));
    default:
      return [];
  }
}

function mutatePath(rng: Prng, path: string): string {
  switch (rng.int(4)) {
    case 0:
      return `${path}/`;
    case 1:
      return path.replace(/\/[^/]*$/, `/${rng.pick(["%E0%A4%A", "%ZZ", "%00", "%ED%A0%80", "x".repeat(5_000), "..", "%2F"])}`);
    case 2:
      return `/${path}`;
    default:
      return path.toUpperCase();
  }
}

/**
 * The request for one route: the generator's mostly valid one, filled into the route's path, then (more
 * often than not) mutated — its body, query, path, headers or encoding.
 */
export function buildRequest(rng: Prng, route: string, spec: RouteRequest, apiKey: string): FuzzRequest {
  const [method, pattern] = route.split(" ") as [string, string];
  let path = pattern.replace(/:(\w+)/g, (_m, name: string) => spec.params?.[name] ?? rng.uuid());
  let query = Object.entries(spec.query ?? {}).flatMap(([k, v]) => [v].flat().map((one) => `${encodeComponent(k)}=${encodeComponent(one)}`));
  let body: unknown = spec.body ?? (method === "GET" || method === "DELETE" ? undefined : {});
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, ...spec.headers };
  let contentType = "application/json";
  let rawBody: string | undefined;

  const mutations = rng.chance(0.45) ? 0 : 1 + rng.int(3);
  for (let i = 0; i < mutations; i++) {
    const roll = rng.next();
    if (roll < 0.35 && body !== undefined) body = mutateBody(rng, body);
    else if (roll < 0.5) query = mutateQuery(rng, query);
    else if (roll < 0.58) path = mutatePath(rng, path);
    else if (roll < 0.66) body = { ...(typeof body === "object" && body !== null ? body : {}), [rng.pick(["input", "values", "metadata", "messages", "config"])]: DEEP };
    else if (roll < 0.76) contentType = rng.pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/json; charset=latin1", "", "application/merge-patch+json"]);
    else if (roll < 0.84) rawBody = rng.pick(['{"message":', "{\"a\":1}garbage", "\u0000", "[".repeat(100_000), '{"message":"\\ud800"}', "null", "\"just a string\"", "{\"__proto__\":{\"polluted\":1}}", "\xff\xfe"]);
    else if (roll < 0.88) headers["content-encoding"] = rng.pick(["gzip", "deflate", "br", "identity", "bogus"]);
    else if (roll < 0.93) headers["last-event-id"] = rng.pick(["-2", "1e9", "abc", "2147483647", ""]);
    else if (roll < 0.95) headers.authorization = rng.pick(["", "Bearer ", "Bearer wrong-key-000", "Basic Zm9vOmJhcg==", `Bearer ${apiKey}x`]);
    else if (roll < 0.97) headers.origin = rng.pick(["http://evil.example", "null"]);
    else headers["x-request-id"] = rng.pick(["x".repeat(1_000), "\u00e9", "a\tb"]);
  }

  if (headers.authorization === "") delete headers.authorization;
  const text = rawBody ?? (body === undefined ? undefined : serialise(body));
  if (text !== undefined && contentType) headers["content-type"] = contentType;
  return { method, path: query.length ? `${path}?${query.join("&")}` : path, headers, body: text };
}
