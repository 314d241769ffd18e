import { Router } from "express";
import type pg from "pg";
import type { ModelServers } from "../models/model-servers.js";
import { doc } from "../openapi/doc.js";

/**
 * `GET /api/status`: whether the database answers now, and whether each model server answered its
 * last call from this process. Unlike /readyz it is behind authentication, since it names the servers;
 * it never calls a model, so it costs one `SELECT 1`.
 */
export function statusRoutes(deps: { pool: pg.Pool; models: ModelServers }): Router {
  const router = Router();
  router.get("/api/status", doc({ summary: "Whether the database and each model server answer", tag: "Service" }), async (_req, res) => {
    const ok = await deps.pool.query("SELECT 1").then(() => true, () => false);
    res.json({ database: { ok }, models: deps.models.status() });
  });
  return router;
}
