import { Router } from "express";
import type pg from "pg";
import { ConversationRepository } from "../conversations/conversation-repository.js";
import { messageJson, threadJson } from "../conversations/thread-json.js";
import type { ThreadloomSaver } from "../db/threadloom-saver.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import { exportedMessage, exportedThread, importThread } from "../runs/import-thread.js";
import { z } from "zod";
import { authorize } from "./access.js";
import { type ImportLimits, readThreadExport } from "./read-thread-export.js";
import { drained } from "./drained.js";
import { doc } from "../openapi/doc.js";

/**
 * `POST /api/threads/import`: a thread recreated from this service's JSON export, for the caller.
 * Exports of long threads are larger than a chat request: this route reads its own body, as it comes.
 */
// What readThreadExport checks, part by part as the body arrives: described whole.
const exportBody = z.object({ thread: exportedThread, messages: z.array(exportedMessage).min(1) });

export function importRoutes(deps: { pool: pg.Pool; graphs: GraphRegistry; checkpointer: ThreadloomSaver; limits: ImportLimits }): Router {
  const router = Router();
  // Read as it comes, with checkJsonBody's checks (nesting, unpaired surrogates) made as it is read.
  router.post("/api/threads/import", doc({ summary: "Recreate a thread from its JSON export (GET /api/threads/:id/export)", body: exportBody, response: { status: 201 } }), async (req, res) => {
    // The document is not kept past the import: the answer is read back from the mirror.
    const exported = await readThreadExport(req, deps.limits);
    // A new thread: the auth handler for threads:create may refuse it or stamp its metadata.
    const value = { metadata: exported.thread.metadata };
    await authorize(res, "threads:create", value);
    exported.thread.metadata = value.metadata ?? {};
    const thread = await importThread(deps, res.locals.owner, exported);
    const messages = await new ConversationRepository(deps.pool).headMessages(thread.threadId);
    res.status(201).location(`/api/threads/${thread.threadId}`).type("application/json");
    // The thread as one JSON document, written a batch of messages at a time at the pace the client reads.
    const open = JSON.stringify({ ...threadJson(thread), messages: [] });
    res.write(open.slice(0, -"]}".length));
    for (let i = 0; i < messages.length; i += RESPONSE_BATCH) {
      const batch = messages.slice(i, i + RESPONSE_BATCH).map((m) => JSON.stringify(messageJson(m)));
      if (!res.write((i > 0 ? "," : "") + batch.join(","))) await drained(res);
      // A socket that takes it all at once drains within the same turn of the event loop: let it go anyway.
      await new Promise((resolve) => setImmediate(resolve));
      if (res.destroyed) return;
    }
    res.end("]}");
  });
  return router;
}

/** Messages of the answer serialized between two writes. */
const RESPONSE_BATCH = 500;
