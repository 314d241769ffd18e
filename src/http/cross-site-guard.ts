import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import { AppError } from "../errors.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface CrossSiteGuardOptions {
  /** Let GET, HEAD and OPTIONS through (they change nothing), checking every other method. */
  unsafeMethodsOnly?: boolean;
}

/**
 * Refuses, with 403, a request a browser sent on behalf of a page of another site: without it any
 * web page the user visits could post to a service on their machine, or start a run with a plain
 * `GET /chat` (an EventSource or an <img> needs no CORS). See `crossSiteRefusal`.
 */
export function crossSiteGuard(isTrusted: (origin: string) => boolean, options: CrossSiteGuardOptions = {}): RequestHandler {
  return (req, _res, next) => {
    if (options.unsafeMethodsOnly && SAFE_METHODS.has(req.method)) return next();
    next(crossSiteRefusal(req, isTrusted) ?? undefined);
  };
}

/**
 * Why a request must be refused as cross-site, or null. A WebSocket upgrade handler calls it too
 * (Express middleware never sees upgrades). The rules, in order:
 * - an `Origin` that CORS_ORIGINS trusts passes;
 * - `Sec-Fetch-Site` (every current browser sends it) decides next: `same-origin` and `none` (typed
 *   by the user) pass, `cross-site` and `same-site` are refused (another port of localhost is the
 *   same site, yet another program's page);
 * - without it, an `Origin` must be this service's own (`Host`);
 * - neither header: not a browser (the LangGraph SDK from Node, curl), which no page can drive.
 */
export function crossSiteRefusal(req: Pick<IncomingMessage, "headers">, isTrusted: (origin: string) => boolean): AppError | null {
  const origin = one(req.headers.origin);
  if (origin !== undefined && isTrusted(origin)) return null;
  const site = one(req.headers["sec-fetch-site"])?.toLowerCase();
  if (site === "same-origin" || site === "none") return null;
  if (site !== "cross-site" && site !== "same-site") {
    if (origin === undefined || sameOrigin(origin, one(req.headers.host))) return null;
  }
  const from = origin === undefined ? `a page of another site (Sec-Fetch-Site: ${site})` : `the page at ${origin.slice(0, 200)}`;
  return new AppError("forbidden_origin", `Cross-site request refused: ${from} may not make this request. Pages of other origins must be listed in CORS_ORIGINS.`, {
    origin: origin?.slice(0, 200) ?? null,
  });
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const page = new URL(origin);
    // The Host header through the page's scheme, so a default port written out compares equal.
    return page.host === new URL(`${page.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
