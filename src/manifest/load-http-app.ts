import type { RequestHandler } from "express";
import { StartupError } from "../startup-error.js";
import { importExport } from "./import-export.js";
import type { Manifest } from "./read-manifest.js";

/** What of a Hono app the service uses (the app may come from the project's copy of Hono or its own). */
export interface HonoLike {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
  routes: unknown[];
  route(path: string, app: unknown): unknown;
}

/** The manifest's `http.app`: a Hono app (as LangGraph's server takes), or an Express app or Router. */
export type HttpApp = { spec: string; kind: "hono"; app: HonoLike } | { spec: string; kind: "express"; handler: RequestHandler };

const isHono = (value: unknown): value is HonoLike =>
  typeof value === "object" && value !== null && typeof (value as HonoLike).fetch === "function" &&
  Array.isArray((value as HonoLike).routes) && typeof (value as HonoLike).route === "function";

// An Express app has `handle` (and `set`); a Router has its `stack` of layers.
const isExpress = (value: unknown): value is RequestHandler =>
  typeof value === "function" && (typeof (value as { handle?: unknown }).handle === "function" || Array.isArray((value as { stack?: unknown }).stack));

/**
 * Imports `http.app` through the loader graphs use (TypeScript, the project's packages for what
 * its folder lacks: Hono among them). A problem stops start-up with one line naming `http.app`.
 */
export async function loadHttpApp(app: NonNullable<Manifest["http"]["app"]>): Promise<HttpApp> {
  const fail = (problem: string) => new StartupError(`http.app (${app.spec}): ${problem}`);
  const exported = await importExport(app.file, app.exportName, fail, "HTTP apps");
  if (isHono(exported)) return { spec: app.spec, kind: "hono", app: exported };
  if (isExpress(exported)) return { spec: app.spec, kind: "express", handler: exported };
  const got = exported === null ? "null" : typeof exported === "function" ? "a function that is not an Express app or Router" : typeof exported === "object" ? "an object that is not a Hono app" : typeof exported;
  throw fail(`export "${app.exportName}" is not a Hono app (new Hono()) nor an Express app or Router (got ${got})`);
}
