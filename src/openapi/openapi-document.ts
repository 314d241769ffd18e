import { z } from "zod";
import { docOf, type ResponseDoc, type RouteDoc } from "./doc.js";

type JsonSchema = Record<string, unknown>;

/** The parts of an Express router this reads: its layers, each a route or a nested router. */
export interface RouterLike {
  stack: { route?: { path: unknown; stack: { method?: string; handle: unknown }[] }; handle?: unknown }[];
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

// The group of a route that names none, by the start of its path; the first that matches.
const TAGS: [prefix: string, tag: string][] = [
  ["/v1/", "OpenAI-compatible API"],
  ["/api/", "threadloom API"],
  ["/chat", "threadloom API"],
];
const tagOf = (path: string) => TAGS.find(([prefix]) => path.startsWith(prefix))?.[1] ?? "LangGraph Agent Server API";

/**
 * The OpenAPI 3.1 description of the routes `doc()` describes in these routers (nested routers
 * included), each once. Schemas are zod's own JSON Schema (2020-12, OpenAPI 3.1's dialect) of the
 * input as clients send it, before defaults and coercion.
 */
export function openApiDocument(routers: RouterLike[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas = new SchemaCache();
  const seen = new Set<unknown>();
  const walk = (router: RouterLike) => {
    if (seen.has(router)) return;
    seen.add(router);
    for (const layer of router.stack) {
      const route = layer.route;
      if (!route) {
        const nested = layer.handle as Partial<RouterLike> | undefined;
        if (Array.isArray(nested?.stack)) walk(nested as RouterLike);
        continue;
      }
      if (typeof route.path !== "string") continue;
      for (const { method, handle } of route.stack) {
        const described = docOf(handle);
        if (!described || !method || !METHODS.has(method)) continue;
        const path = route.path.replace(/:(\w+)/g, "{$1}");
        paths[path] ??= {};
        paths[path][method] ??= operation(method, route.path, described, schemas);
      }
    }
  };
  for (const router of routers) walk(router);
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
      schemas: { Problem: PROBLEM },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API key (API_KEYS), as `Authorization: Bearer <key>`." },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "An API key (API_KEYS), as `x-api-key: <key>`." },
      },
    },
    // Either header; without API_KEYS configured, none.
    security: [{ bearer: [] }, { apiKey: [] }, {}],
  };
}

function operation(method: string, expressPath: string, d: RouteDoc, schemas: SchemaCache): JsonSchema {
  const pathSchema = d.params ? schemas.objectFields(d.params) : null;
  const parameters = [...expressPath.matchAll(/:(\w+)/g)].map(([, name]) => ({
    name, in: "path", required: true, schema: pathSchema?.properties[name!] ?? { type: "string" },
  }));
  if (d.query) {
    const { properties, required } = schemas.objectFields(d.query);
    for (const [name, schema] of Object.entries(properties)) {
      parameters.push({ name, in: "query", required: required.has(name), schema, ...describedBy(schema) });
    }
  }
  const bodies = d.body === undefined ? [] : Array.isArray(d.body) ? d.body : [d.body as z.ZodType];
  const body = bodies.length === 1 ? schemas.of(bodies[0]!) : { oneOf: bodies.map((b) => schemas.of(b)) };
  return {
    operationId: operationId(method, expressPath),
    summary: d.summary,
    ...(d.description ? { description: d.description } : {}),
    tags: [d.tag ?? tagOf(expressPath)],
    ...(parameters.length ? { parameters } : {}),
    ...(bodies.length ? { requestBody: { required: !d.bodyOptional, content: { [d.bodyType ?? "application/json"]: { schema: body } } } } : {}),
    responses: responses(d.response ?? {}, schemas, d.errors),
    ...(d.public ? { security: [] } : {}),
  };
}

function responses(ok: ResponseDoc, schemas: SchemaCache, errors?: RouteDoc["errors"]): JsonSchema {
  const status = ok.status ?? 200;
  const types = ok.type === undefined ? (status === 204 ? [] : ["application/json"]) : typeof ok.type === "string" ? [ok.type] : ok.type;
  const schema = ok.schema ? { schema: schemas.of(ok.schema) } : {};
  const content = Object.fromEntries(types.map((type) => [type, schema]));
  return {
    [String(status)]: { description: ok.description ?? "Success.", ...(types.length ? { content } : {}) },
    default: errors ? { description: errors.description, content: { [errors.type]: {} } } : { description: "A problem (RFC 9457): invalid input (400, naming the fields), unknown id (404), conflict (409), unavailable (503, with Retry-After)…", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
  };
}

const describedBy = (schema: JsonSchema) => (typeof schema.description === "string" ? { description: schema.description } : {});

/** `GET /threads/:id/runs` → `getThreadsIdRuns`: unique per method and path. */
function operationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}

/** zod's JSON Schema of each zod schema, made once: several routes share a body. */
class SchemaCache {
  private readonly made = new WeakMap<z.ZodType, JsonSchema>();

  of(schema: z.ZodType): JsonSchema {
    let made = this.made.get(schema);
    if (!made) {
      const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any", override: refuseUndefined }) as JsonSchema;
      if ("$defs" in rest) throw new Error("a described schema refers to itself; describe it without $defs");
      made = rest;
      this.made.set(schema, made);
    }
    return made;
  }

  /** An object schema's fields (of every alternative, for a union), for parameters. */
  objectFields(schema: z.ZodType): { properties: Record<string, JsonSchema>; required: Set<string> } {
    const made = this.of(schema);
    const alternatives = (made.anyOf ?? made.oneOf ?? [made]) as JsonSchema[];
    const properties: Record<string, JsonSchema> = {};
    const counts = new Map<string, number>();
    for (const alternative of alternatives) {
      Object.assign(properties, alternative.properties ?? {});
      for (const name of (alternative.required ?? []) as string[]) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return { properties, required: new Set([...counts].filter(([, n]) => n === alternatives.length).map(([name]) => name)) };
  }
}

// A field the server refuses (`z.undefined()`: "ttl is not supported") may not be sent at all, rather
// than anything, as JSON Schema would have it otherwise.
const refuseUndefined = (ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: JsonSchema }) => {
  if (ctx.zodSchema._zod.def.type === "undefined") ctx.jsonSchema.not = {};
};

const PROBLEM = {
  type: "object",
  description: "RFC 9457 problem details.",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    invalid_params: { type: "array", items: { type: "object", properties: { name: { type: "string" }, reason: { type: "string" } }, required: ["name", "reason"] } },
  },
  required: ["type", "title", "status"],
};
