import express, { Router } from "express";
import type pg from "pg";
import { ConversationRepository } from "../conversations/conversation-repository.js";
import { messageJson, threadJson } from "../conversations/thread-json.js";
import type { ThreadloomSaver } from "../db/threadloom-saver.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import { importThread, threadExport } from "../runs/import-thread.js";
import { checkJsonBody } from "./check-json-body.js";
import { containsNul, validate } from "./validate.js";
import { AppError } from "../errors.js";

/** Exports of long threads are larger than a chat request: this route parses its own body. */
const IMPORT_BODY_LIMIT = "50mb";

/** `POST /api/threads/import`: a thread recreated from this service's JSON export, for the caller. */
export function importRoutes(deps: { pool: pg.Pool; graphs: GraphRegistry; checkpointer: ThreadloomSaver }): Router {
  const router = Router();
  router.post("/api/threads/import", express.json({ limit: IMPORT_BODY_LIMIT }), checkJsonBody, async (req, res) => {
    const doc = validate(threadExport, req.body);
    if (containsNul(doc)) throw new AppError("invalid_request", "The export contains NUL characters, which cannot be stored.", { fields: [{ name: "body", reason: "contains NUL" }] });
    const thread = await importThread(deps, res.locals.owner, doc);
    const messages = await new ConversationRepository(deps.pool).headMessages(thread.threadId);
    res.status(201).location(`/api/threads/${thread.threadId}`).json({ ...threadJson(thread), messages: messages.map(messageJson) });
  });
  return router;
}
