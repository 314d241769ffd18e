import { Router } from "express";
import type pg from "pg";
import { sendProblem } from "./problem.js";

/** Liveness (the process answers) and readiness (the database answers too). */
export function healthRoutes(pool: pg.Pool): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    try {
      await pool.query("SELECT 1");
      res.json({ status: "ready" });
    } catch {
      sendProblem(res, "unavailable", "The database is not reachable.");
    }
  });
  return router;
}
