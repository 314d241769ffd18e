import { extname } from "node:path";
import { Router } from "express";
import { z } from "zod";
import { AppError } from "../errors.js";
import { requireJsonBody, validate } from "../http/validate.js";
import type { GraphUis } from "./graph-uis.js";
import { uiGlobalName } from "./bundle-ui.js";
import { doc } from "../openapi/doc.js";

const componentBody = z.object({ name: z.string().min(1).max(200) });
const graphParams = z.object({ graph: z.string().min(1).max(200) });
const fileParams = graphParams.extend({ file: z.string().min(1).max(200) });
const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };
const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

const noUi = (graphId: string, uis: GraphUis) =>
  new AppError("not_found", `No generative UI for "${graphId}": the manifest's ui lists ${uis.ids.length ? uis.ids.map((id) => `"${id}"`).join(", ") : "none"}.`);

/**
 * `POST /ui/:graph` with `{"name": "<component>"}`: the HTML LangGraph's `LoadExternalComponent`
 * puts in a shadow root to show the graph's component of that name: the bundle's stylesheet, and
 * its script, which renders the component once loaded. Authenticated like every route.
 */
export function uiComponentRoutes(uis: GraphUis): Router {
  const router = Router();
  router.post("/ui/:graph", doc({ summary: "The HTML that shows a graph's generative UI component", params: graphParams, body: componentBody, response: { type: "text/html" } }), requireJsonBody, async (req, res) => {
    const { graph: graphId } = validate(graphParams, req.params, "path");
    const { name } = validate(componentBody, req.body);
    const files = await uis.files(graphId);
    if (!files) throw noUi(graphId, uis);
    const host = req.get("host") ?? "localhost";
    // As LangGraph's server writes them: http on this machine, the page's own scheme elsewhere.
    const base = `${LOCAL_HOST.test(host) ? "http:" : ""}//${host}/ui/${encodeURIComponent(graphId)}`;
    const html = [];
    for (const file of files.filter((f) => extname(f.name) === ".css")) html.push(`<link rel="stylesheet" href="${attribute(`${base}/${file.name}`, '"')}" />`);
    const script = files.find((f) => extname(f.name) === ".js");
    if (script) {
      const render = `${uiGlobalName(graphId)}.render(${JSON.stringify(name)}, "{{shadowRootId}}")`;
      html.push(`<script src="${attribute(`${base}/${script.name}`, '"')}" onload='${attribute(render, "'")}'></script>`);
    }
    res.type("text/html").send(html.join("\n"));
  });
  return router;
}

/**
 * `GET /ui/:graph/:file`: a file of the graph's bundle. Open, as on LangGraph's server: a page loads
 * it with a `<script>` tag, which sends no credentials; it is the graph's components, not anyone's data.
 */
export function uiAssetRoutes(uis: GraphUis): Router {
  const router = Router();
  router.get("/ui/:graph/:file", doc({ summary: "A file of a graph's generative UI bundle", params: fileParams, public: true, response: { type: ["text/javascript", "text/css"] } }), async (req, res) => {
    const params = validate(fileParams, req.params, "path");
    const files = await uis.files(params.graph);
    if (!files) throw noUi(params.graph, uis);
    const file = files.find((f) => f.name === params.file);
    if (!file) throw new AppError("not_found", `The UI of "${params.graph}" has no file "${params.file}" (it has ${files.map((f) => f.name).join(", ")}).`);
    res.set({ "Content-Type": TYPES[extname(file.name)] ?? "application/octet-stream", "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" });
    res.send(Buffer.from(file.contents));
  });
  return router;
}

/** Text for an HTML attribute quoted with `quote`: what could end it or start markup is escaped. */
function attribute(text: string, quote: '"' | "'"): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return quote === '"' ? escaped.replace(/"/g, "&quot;") : escaped.replace(/'/g, "&#39;");
}
