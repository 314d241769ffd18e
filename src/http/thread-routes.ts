import { Router } from "express";
import { z } from "zod";
import { ConversationRepository } from "../conversations/conversation-repository.js";
import { EXPORT_FORMATS, exportThread } from "../conversations/export-thread.js";
import { messageJson, threadJson } from "../conversations/thread-json.js";
import { AppError } from "../errors.js";
import type { RunManager } from "../runs/run-manager.js";
import { validate } from "./validate.js";

const threadParams = z.object({ id: z.uuid("must be a UUID") });

// The repository checks a cursor's shape, but the database is the judge of its values: a date such
// as 2026-02-30 passes Date.parse, and an id of 36 dashes passes its pattern. Limit and owner are
// already valid, so a failed cast here can only come from a forged cursor.
const CAST_FAILURES = new Set(["22P02", "22007", "22008"]);
const isCastFailure = (err: unknown) => CAST_FAILURES.has((err as { code?: string } | null)?.code ?? "");
const malformedCursor = () => new AppError("invalid_request", "The cursor is not one this service issued.", { fields: [{ name: "cursor", reason: "malformed" }] });

/** Listing, reading, exporting and deleting conversations, all read from the mirror. */
export function threadRoutes(deps: { runs: RunManager; conversations: ConversationRepository }): Router {
  const router = Router();
  const listQuery = z.strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(500).optional(),
  });
  const exportQuery = z.strictObject({ format: z.enum(EXPORT_FORMATS).default("json") });

  router.get("/api/threads", async (req, res) => {
    const { limit, cursor } = validate(listQuery, req.query, "query");
    const page = await deps.conversations.listThreads(res.locals.owner, { limit, cursor }).catch((err: unknown) => {
      throw cursor !== undefined && isCastFailure(err) ? malformedCursor() : err;
    });
    res.json({ threads: page.items.map(threadJson), next_cursor: page.nextCursor });
  });

  router.get("/api/threads/:id", async (req, res) => {
    const { id } = validate(threadParams, req.params, "path");
    const thread = await deps.runs.findThread(id, res.locals.owner);
    const messages = await deps.conversations.headMessages(id);
    res.json({ ...threadJson(thread), messages: messages.map(messageJson) });
  });

  router.get("/api/threads/:id/export", async (req, res) => {
    const { id } = validate(threadParams, req.params, "path");
    const { format } = validate(exportQuery, req.query, "query");
    const thread = await deps.runs.findThread(id, res.locals.owner);
    const file = exportThread(thread, await deps.conversations.headMessages(id), format);
    // Quoted always (res.attachment drops the quotes for token-safe names); the name is a UUID and an extension.
    res.type(file.contentType).set("Content-Disposition", `attachment; filename="${file.filename}"`).send(file.body);
  });

  router.delete("/api/threads/:id", async (req, res) => {
    const { id } = validate(threadParams, req.params, "path");
    await deps.runs.deleteThread(id, res.locals.owner);
    res.status(204).end();
  });

  return router;
}
