import type http from "node:http";
import type { RequestHandler } from "express";
import { type Context, Hono } from "hono";
import type { Logger } from "pino";
import type { HonoLike } from "../manifest/load-http-app.js";
import { asCaller, callerOf } from "./caller.js";
import { sendFetchResponse, toFetchRequest } from "./fetch-bridge.js";
import { inProcessFetch } from "./in-process-fetch.js";
import { problem500 } from "./problem.js";

/** What a request to the custom app carries: where a request none of its routes answered goes on to. */
interface Env {
  Bindings: { passOn?: (request: Request) => Promise<Response>; requestId?: string };
}

/**
 * The manifest's Hono app in front of the service's routes, as LangGraph's server mounts it: its
 * middleware runs around every request (it may answer one itself, change its headers or JSON body,
 * or add headers to the service's response), its routes answer first, and what none answers goes on
 * to the service's routes (`service`, in-process) with the request as the app left it.
 */
export function honoCustomApp(app: HonoLike, service: http.Server, logger: Logger): RequestHandler {
  const front = honoFront(app, logger);
  return async (req, res, next) => {
    const caller = callerOf(res);
    const gone = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    let request: Request;
    try {
      request = toFetchRequest(req, gone.signal);
    } catch (err) {
      return next(err);
    }
    const passOn = (forward: Request) => inProcessFetch(service, forward, { ...caller, log: req.log, requestId: String(req.id) });
    const response = await asCaller(caller, () => front.fetch(request, { passOn, requestId: String(req.id) }));
    await sendFetchResponse(response, res);
  };
}

/**
 * The custom app under a Hono of ours, so that it keeps its routes, middleware and error handler
 * but not its not-found handler (LangGraph's server drops it the same way): a request it does not
 * answer is passed on when the caller gave somewhere to pass it, else answered 404.
 */
export function honoFront(app: HonoLike, logger: Logger): Hono<Env> {
  const front = new Hono<Env>();
  front.route("/", app as unknown as Hono);
  front.notFound(async (c) => {
    if (c.env?.passOn) return c.env.passOn(await asLeft(c));
    const detail = `No route for ${c.req.method} ${c.req.path}.`;
    return problem(404, { type: "about:blank#not_found", title: "Not found", status: 404, detail });
  });
  front.onError((err, c) => {
    // Hono's HTTPException (of whichever copy of Hono the app uses) carries its own response.
    const own = (err as { getResponse?: () => Response }).getResponse;
    if (typeof own === "function") return own.call(err);
    const requestId = c.env?.requestId ?? "";
    logger.error({ err, reqId: requestId, path: c.req.path }, "the custom app (http.app) failed");
    return problem(500, problem500(requestId));
  });
  return front;
}

/**
 * The request as the custom app's middleware left it: its URL and headers, and its body: the one a
 * middleware put in place (`c.req.raw = new Request(c.req.raw, { body })`), else what a middleware
 * read through Hono (`c.req.json()`, `c.req.text()`; Hono before 4.13 kept the parsed JSON, changes
 * included), else the body as it came.
 */
async function asLeft(c: Context): Promise<Request> {
  const raw = c.req.raw;
  const method = c.req.method;
  const headers = new Headers(raw.headers);
  if (method === "GET" || method === "HEAD") return new Request(c.req.url, { method, headers, signal: raw.signal });
  const read = c.req.bodyCache as { json?: Promise<unknown>; text?: Promise<string>; arrayBuffer?: Promise<ArrayBuffer>; blob?: Promise<Blob> };
  let body: BodyInit | null = null;
  if (!raw.bodyUsed) body = raw.body;
  else if (read.json) body = JSON.stringify(await read.json);
  else if (read.text) body = await read.text;
  else if (read.arrayBuffer) body = await read.arrayBuffer;
  else if (read.blob) body = await read.blob;
  // The body may not be the one its length was given for: it goes chunked.
  headers.delete("content-length");
  return new Request(c.req.url, { method, headers, body, signal: raw.signal, duplex: "half" } as RequestInit);
}

function problem(status: number, body: object): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/problem+json; charset=utf-8" } });
}
