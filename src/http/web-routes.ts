import { existsSync } from "node:fs";
import { join } from "node:path";
import compression from "compression";
import express, { Router, type Response } from "express";
import { AppError } from "../errors.js";
import { doc } from "../openapi/doc.js";

/**
 * The page's Content-Security-Policy. Everything a model, a tool or a user wrote is shown in this
 * page, and the API key lives in it: no inline script or style, no other origin to load code from,
 * send data to, or frame the page in. Images: this origin and data: URLs only (a Markdown image
 * elsewhere is shown as a link), so a reply cannot make the browser call another host.
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The headers of every file of the page (and of /docs): its CSP and the frame and sniffing guards. */
export function pageHeaders(res: Response): void {
  res.set({
    "Content-Security-Policy": WEB_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
  });
}

/**
 * The web app at `/`: the files `npm ci` built (`vite build`, the `prepare` script) into `dir`.
 * Served before authentication: the page holds no one's data; it asks for an API key and sends it
 * with each API call. Hashed assets are cached for a year; `index.html` is revalidated every time.
 * Compressed here only, never the API's event streams.
 */
export function webRoutes(dir: string): Router {
  const router = Router();
  const index = join(dir, "index.html");
  // Mounted on these routes alone: `router.use("/", …)` would match every path, event streams included.
  const compress = compression();
  router.get("/", doc({ summary: "The web app", tag: "Service", public: true, response: { type: "text/html" } }), compress, (_req, res) => {
    if (!existsSync(index)) {
      throw new AppError("unavailable", `The web app is not built: run \`npm run build:web\` (npm ci runs it) to write ${dir}.`);
    }
    pageHeaders(res);
    res.set("Cache-Control", "no-cache");
    res.sendFile(index);
  });
  // Only these paths touch the disk: every API request would otherwise cost a stat.
  router.use("/assets", compress, express.static(join(dir, "assets"), { index: false, redirect: false, immutable: true, maxAge: "365d", setHeaders: pageHeaders }));
  router.get("/favicon.svg", doc({ summary: "The web app's icon", tag: "Service", public: true, response: { type: "image/svg+xml" } }), compress, (_req, res) => {
    pageHeaders(res);
    res.set("Cache-Control", "public, max-age=86400");
    res.sendFile(join(dir, "favicon.svg"));
  });
  return router;
}
