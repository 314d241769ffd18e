import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import { AppError } from "../errors.js";

/** Refuses requests whose `Host` is not one of `allowed` (any port) with 421. See `hostRefusal`. */
export function hostGuard(allowed: ReadonlySet<string>): RequestHandler {
  return (req, _res, next) => next(hostRefusal(req, allowed) ?? undefined);
}

/**
 * Why a request's `Host` is refused, or null; a WebSocket upgrade handler calls it too. DNS
 * rebinding points a web page's own name at 127.0.0.1: the browser then lets that page read our
 * answers, but it still sends the page's name as `Host`, which tells it from a request meant for us.
 */
export function hostRefusal(req: Pick<IncomingMessage, "headers">, allowed: ReadonlySet<string>): AppError | null {
  const host = req.headers.host ?? "";
  if (allowed.has(hostName(host))) return null;
  const shown = host.slice(0, 100);
  return new AppError("misdirected_host", `This service does not answer to the host name ${JSON.stringify(shown)}; ALLOWED_HOSTS lists the names it answers to.`, { host: shown });
}

/** The name part of a Host header, lower-cased: `[::1]:3000` → `[::1]`, `Example.com:80` → `example.com`. */
export function hostName(host: string): string {
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d*$/, "");
  return name.toLowerCase();
}
