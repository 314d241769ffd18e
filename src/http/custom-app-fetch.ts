import express from "express";
import type { Logger } from "pino";
import { AppError } from "../errors.js";
import type { HttpApp } from "../manifest/load-http-app.js";
import { withoutCaller } from "./caller.js";
import { honoFront } from "./hono-custom-app.js";
import { inProcessFetch, inProcessServer } from "./in-process-fetch.js";
import { problemHandler } from "./problem.js";

/**
 * Sends a request to the manifest's http.app alone, in-process (a run's webhook that is a path):
 * its answer, or a 404 problem when none of its routes answers. The request has no caller: it is
 * the service's own, not a client's.
 */
export function customAppFetch(custom: HttpApp, logger: Logger): (request: Request) => Promise<Response> {
  if (custom.kind === "hono") {
    const front = honoFront(custom.app, logger);
    return async (request) => withoutCaller(() => front.fetch(request, {}));
  }
  const app = express();
  app.disable("x-powered-by");
  app.use(custom.handler);
  app.use((req, _res, next) => next(new AppError("not_found", `No route for ${req.method} ${req.path}.`)));
  app.use(problemHandler(logger));
  const server = inProcessServer(app);
  return (request) => inProcessFetch(server, request);
}
