import { Router } from "express";
import type pg from "pg";
import { sendProblem } from "./problem.js";
import { doc } from "../openapi/doc.js";

/** Liveness (the process answers) and readiness (the database answers too). */
export function healthRoutes(pool: pg.Pool): Router {
  const router = Router();
  router.get("/healthz", doc({ summary: "Liveness: the process answers", tag: "Service", public: true }), (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", doc({ summary: "Readiness: the database answers too (503 when not)", tag: "Service", public: true }), async (_req, res) => {
    try {
      await pool.query("SELECT 1");
      res.json({ status: "ready" });
    } catch {
      sendProblem(res, "unavailable", "The database is not reachable.");
    }
  });
  return router;
}
