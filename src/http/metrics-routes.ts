import { createHash, timingSafeEqual } from "node:crypto";
import { Router } from "express";
import { AppError } from "../errors.js";
import type { Metrics } from "../metrics/metrics.js";
import { doc } from "../openapi/doc.js";

export interface MetricsRoutesDeps {
  metrics: Metrics;
  /** METRICS_TOKEN: when set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string;
  /** With authentication (API keys or the manifest's auth) and no token, nobody may scrape: the numbers are every tenant's together. */
  authRequired: boolean;
}

/**
 * `GET /metrics` in the Prometheus text format. Not behind the API keys: those are a tenant's, and
 * the metrics are the whole service's, so they have a token of their own (METRICS_TOKEN). Without
 * API keys (a service for this machine) and no token, they are open like everything else.
 */
export function metricsRoutes(deps: MetricsRoutesDeps): Router {
  const router = Router();
  const expected = deps.token === undefined ? undefined : digest(deps.token);
  router.get("/metrics", doc({ summary: "Prometheus metrics (Authorization: Bearer <METRICS_TOKEN> when set)", tag: "Service", public: true, response: { type: "text/plain" } }), async (req, res) => {
    if (expected) {
      const given = /^Bearer\s+(.+)$/i.exec(req.get("authorization") ?? "")?.[1]?.trim();
      if (!given || !timingSafeEqual(digest(given), expected)) {
        res.set("WWW-Authenticate", 'Bearer realm="threadloom-metrics"');
        throw new AppError("unauthorized", "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.");
      }
    } else if (deps.authRequired) {
      throw new AppError("unauthorized", "GET /metrics is closed: with API_KEYS or the manifest's auth set, set METRICS_TOKEN and scrape with Authorization: Bearer <METRICS_TOKEN>.");
    }
    res.set("Content-Type", deps.metrics.contentType).send(await deps.metrics.text());
  });
  return router;
}

// Digests of equal length, so comparing them takes the same time whatever was sent.
const digest = (token: string) => createHash("sha256").update(token).digest();
