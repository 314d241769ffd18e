import { createRequire } from "node:module";
import { Router } from "express";
import { doc } from "../openapi/doc.js";

/** The Agent Server's `/ok` and `/info`: what the SDK and LangGraph Studio probe before anything else. */
export function agentSystemRoutes(): Router {
  const require = createRequire(import.meta.url);
  const info = {
    version: (require("../../package.json") as { version: string }).version,
    langgraph_js_version: langgraphVersion(require),
    context: "js",
    // What this server offers of the Agent Server's optional features: assistants, but no crons and
    // no LangSmith tracing of its own.
    flags: { assistants: true, crons: false, langsmith: false, langsmith_tracing_replicas: false },
    metadata: {},
  };
  const router = Router();
  router.get("/ok", doc({ summary: "The server answers" }), (_req, res) => void res.json({ ok: true }));
  router.get("/info", doc({ summary: "Server version and the optional features it offers" }), (_req, res) => void res.json(info));
  return router;
}

function langgraphVersion(require: NodeJS.Require): string | null {
  try {
    const entry = require.resolve("@langchain/langgraph");
    const root = entry.slice(0, entry.lastIndexOf("/dist/"));
    return (require(`${root}/package.json`) as { version: string }).version;
  } catch {
    // Only informative: a layout we do not know is no reason to fail the route.
    return null;
  }
}
