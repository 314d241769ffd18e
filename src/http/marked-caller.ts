import type { RequestHandler } from "express";
import type { Logger } from "pino";
import type { Metrics } from "../metrics/metrics.js";
import { markedCaller } from "./caller.js";

/**
 * Authentication that first takes a request this process made for a caller (in-process, see
 * `inProcessFetch`) as that caller, and otherwise authenticates it with `authenticate`.
 */
export function authenticateUnlessMarked(authenticate: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const caller = markedCaller(req);
    if (!caller) return authenticate(req, res, next);
    res.locals.owner = caller.owner;
    if (caller.access) res.locals.access = caller.access;
    next();
  };
}

/**
 * For the service's routes behind a Hono custom app: each request came from the app, in-process,
 * for the caller the front door authenticated; it continues that request (its log and id). Anything
 * else reaching them is refused (nothing else can).
 */
export function continueMarked(deps: { metrics: Metrics; logger: Logger }): RequestHandler {
  return (req, res, next) => {
    const caller = markedCaller(req);
    if (!caller) return void res.status(421).end();
    res.locals.owner = caller.owner;
    if (caller.access) res.locals.access = caller.access;
    res.locals.metrics = deps.metrics;
    req.log = caller.log ?? deps.logger;
    // The front door's response already carries it as X-Request-Id.
    if (caller.requestId) req.id = caller.requestId;
    next();
  };
}
