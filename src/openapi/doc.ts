import type { RequestHandler } from "express";
import type { z } from "zod";

/** What a route answers when it succeeds; the problems it may answer instead are described for every route. */
export interface ResponseDoc {
  /** Default 200. */
  status?: number;
  description?: string;
  /** Media types; default `application/json`, none for a 204. */
  type?: string | readonly string[];
  schema?: z.ZodType;
}

/**
 * A route's entry in `/openapi.json`, given next to the route with the same zod schemas that
 * validate its input: `router.post("/api/things", doc({ summary: "…", body: thingBody }), handler)`.
 */
export interface RouteDoc {
  summary: string;
  description?: string;
  /** The group it is listed under; by default from its path (see `tagOf` in openapi-document.ts). */
  tag?: string;
  /** The path's parameters (`:id`), an object schema; by default each a string. */
  params?: z.ZodType;
  /** The query parameters, an object schema. */
  query?: z.ZodType;
  /** The JSON body; several: the body is one of them. */
  body?: z.ZodType | readonly z.ZodType[];
  /** The body's media type, when not `application/json`. */
  bodyType?: string;
  /** The body may be left out. */
  bodyOptional?: boolean;
  response?: ResponseDoc;
  /** What its errors are, when not problem+json (as under /v1, in OpenAI's shape). */
  errors?: { type: string; description: string };
  /** Served without an API key. */
  public?: boolean;
}

const DOC = Symbol("threadloom.routeDoc");

type DocumentedHandler = RequestHandler & { [DOC]: RouteDoc };

/**
 * Describes the route it is mounted on. It does nothing to requests: the description is read from
 * the app's routers (see openapi-document.ts), so a route is described exactly where it is declared.
 */
// Typed loosely so that the route's own handlers keep the parameter types Express infers from its path.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function doc(description: RouteDoc): RequestHandler<any, any, any, any> {
  const handler: RequestHandler = (_req, _res, next) => next();
  return Object.assign(handler, { [DOC]: description });
}

/** The description `doc()` attached to a route's handler, if it is one. */
export function docOf(handler: unknown): RouteDoc | undefined {
  return typeof handler === "function" ? (handler as Partial<DocumentedHandler>)[DOC] : undefined;
}

/** The streaming responses, as most streaming routes answer. */
export const SSE_RESPONSE: ResponseDoc = { type: "text/event-stream", description: "A server-sent event stream." };
/** An empty success. */
export const NO_CONTENT: ResponseDoc = { status: 204, description: "Done; no content." };
