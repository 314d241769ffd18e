import { Router } from "express";
import { z } from "zod";
import { ConversationRepository } from "../conversations/conversation-repository.js";
import { EXPORT_FORMATS, exportThread } from "../conversations/export-thread.js";
import { messageJson, threadJson } from "../conversations/thread-json.js";
import type { RunManager } from "../runs/run-manager.js";
import { validate } from "./validate.js";

const threadParams = z.object({ id: z.uuid("must be a UUID") });

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
    const page = await deps.conversations.listThreads(res.locals.owner, { limit, cursor });
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
