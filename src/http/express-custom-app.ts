import type { RequestHandler } from "express";
import { asCaller, callerOf, withoutCaller } from "./caller.js";

/**
 * The manifest's Express app or Router in front of the service's routes: its routes answer first,
 * its middleware may change the request (a parsed and changed `req.body` is what the service's
 * routes get) or the response's headers, and what it passes on (`next()`) goes on to the service.
 */
export function expressCustomApp(handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    // An Express app sets its own request and response prototypes; ours are put back, as Express
    // does for an app mounted with `app.use`.
    const [reqProto, resProto] = [Object.getPrototypeOf(req), Object.getPrototypeOf(res)];
    asCaller(callerOf(res), () =>
      handler(req, res, (err?: unknown) => {
        Object.setPrototypeOf(req, reqProto);
        Object.setPrototypeOf(res, resProto);
        withoutCaller(() => next(err));
      }),
    );
  };
}
