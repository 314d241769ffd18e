import { Router } from "express";
import { z } from "zod";
import { requireJsonBody, validate } from "../http/validate.js";
import { type TruncateDeps, truncateOwnerData } from "./truncate-owner-data.js";
import { doc } from "../openapi/doc.js";

// LangGraph's own test utilities send `checkpoint`; its server reads `checkpointer`. Either counts.
const truncateBody = z.strictObject({
  runs: z.boolean().optional(),
  threads: z.boolean().optional(),
  assistants: z.boolean().optional(),
  checkpoint: z.boolean().optional(),
  checkpointer: z.boolean().optional(),
  store: z.boolean().optional(),
});

/**
 * `POST /internal/truncate`, the hook LangGraph's Agent Server test suite resets the server with
 * (INTERNAL_TRUNCATE_ENABLED=1 only: mounted otherwise not at all, a 404 as any unknown route).
 * It empties only the caller's own data.
 */
export function internalTruncateRoutes(deps: TruncateDeps): Router {
  const router = Router();
  router.post("/internal/truncate", doc({ summary: "Delete the caller's data (LangGraph's test hook; INTERNAL_TRUNCATE_ENABLED)", body: truncateBody }), requireJsonBody, async (req, res) => {
    const body = validate(truncateBody, req.body);
    await truncateOwnerData(deps, res.locals.owner, { ...body, checkpoints: body.checkpoint || body.checkpointer });
    res.json({ ok: true });
  });
  return router;
}
