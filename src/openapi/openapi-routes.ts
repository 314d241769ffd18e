import { readFileSync } from "node:fs";
import { Router } from "express";
import { pageHeaders } from "../http/web-routes.js";
import { doc } from "./doc.js";
import { openApiDocument, type RouterLike } from "./openapi-document.js";

const PAGE = new URL("./docs-page/", import.meta.url);
const FILES = {
  "/docs": { file: "index.html", type: "text/html; charset=utf-8" },
  "/docs/docs.js": { file: "docs.js", type: "text/javascript; charset=utf-8" },
  "/docs/docs.css": { file: "docs.css", type: "text/css; charset=utf-8" },
} as const;

/**
 * `GET /openapi.json`, the OpenAPI 3.1 description of every route `routers()` holds, and `GET /docs`,
 * a page of ours that draws it: no CDN, no inline script, so it works offline and under the web app's
 * Content-Security-Policy. Both are public, like the README. The description is made on first request,
 * once every route is declared.
 */
export function openApiRoutes(routers: () => RouterLike[]): Router {
  const router = Router();
  let json: string | undefined;
  router.get("/openapi.json", doc({ summary: "This API's OpenAPI 3.1 description", tag: "Service", public: true }), (_req, res) => {
    json ??= JSON.stringify(openApiDocument(routers(), { title: "threadloom", version: packageVersion(), description: DESCRIPTION }));
    res.set("Cache-Control", "no-cache").type("application/json").send(json);
  });
  for (const [path, { file, type }] of Object.entries(FILES)) {
    // Read once, at the first request: the files are small and change only with the code.
    let body: Buffer | undefined;
    router.get(path, doc({ summary: `The API docs page (${file})`, tag: "Service", public: true, response: { type } }), (_req, res) => {
      body ??= readFileSync(new URL(file, PAGE));
      pageHeaders(res);
      res.set({ "Content-Type": type, "Cache-Control": "no-cache" }).send(body);
    });
  }
  return router;
}

const packageVersion = () => (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

const DESCRIPTION = [
  "threadloom serves LangGraph.js graphs on PostgreSQL. Two APIs over the same threads: its own under `/api`",
  "(chat streams, approval, conversations, branching, assistants) and the LangGraph Agent Server API at the root.",
  "Every error is `application/problem+json` (RFC 9457). With API_KEYS set, send a key as `Authorization: Bearer <key>` or `x-api-key`.",
].join(" ");
