import { Router, type Response } from "express";
import type pg from "pg";
import { z } from "zod";
import type { ConversationRepository, Owner } from "../conversations/conversation-repository.js";
import { threadExportBatches } from "../conversations/thread-export-batches.js";
import { messageJson, threadJson } from "../conversations/thread-json.js";
import { AppError, notFound } from "../errors.js";
import type { RunManager } from "../runs/run-manager.js";
import { authorize } from "./access.js";
import { threadIdParams } from "./native-thread-id.js";
import { containsNul, requireJsonBody, validate } from "./validate.js";
import { doc } from "../openapi/doc.js";

export interface ThreadManagementDeps {
  pool: pg.Pool;
  runs: RunManager;
  conversations: ConversationRepository;
  maxMessageChars: number;
}

const EXPORT_BATCH = 100;

/**
 * Managing threads without running the model: appending messages, editing title and metadata, and
 * exporting every thread at once. Mount before the thread routes: `/api/threads/export` is not an id.
 */
export function threadManagementRoutes(deps: ThreadManagementDeps): Router {
  const noNul = <T>(schema: z.ZodType<T>) => schema.refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters");
  const metadata = noNul(z.record(z.string(), z.unknown()));
  const message = z
    .strictObject({
      role: z.enum(["user", "assistant", "system", "tool"]),
      content: noNul(z.string().min(1, "must not be empty").max(deps.maxMessageChars, `must be at most ${deps.maxMessageChars} characters`)),
      metadata: metadata.optional(),
      id: noNul(z.string().min(1).max(200)).optional(),
      tool_call_id: noNul(z.string().min(1).max(200)).optional(),
      // What the model APIs accept as a participant's name.
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, _ or -").optional(),
    })
    .superRefine((m, ctx) => {
      if (m.role === "tool" && m.tool_call_id === undefined) ctx.addIssue({ code: "custom", path: ["tool_call_id"], message: "is required on a tool message" });
      if (m.role !== "tool" && m.tool_call_id !== undefined) ctx.addIssue({ code: "custom", path: ["tool_call_id"], message: "is allowed only on a tool message" });
    });
  const appendBody = z.strictObject({ messages: z.array(message).min(1, "must hold at least one message").max(100, "must hold at most 100 messages") });
  const patchBody = z
    .strictObject({ title: noNul(z.string().trim().min(1, "must not be empty").max(200)).optional(), metadata: metadata.optional() })
    .refine((b) => b.title !== undefined || b.metadata !== undefined, "must set title, metadata or both");
  const bulkExportQuery = z.strictObject({ format: z.enum(["jsonl"]).default("jsonl") });
  const router = Router();

  router.get("/api/threads/export", doc({ summary: "Every thread of the caller with its messages, one JSON object a line", query: bulkExportQuery, response: { type: "application/x-ndjson" } }), async (req, res) => {
    validate(bulkExportQuery, req.query, "query");
    const owner = res.locals.owner;
    const visible = await authorize(res, "threads:search", {});
    const batches = threadExportBatches(deps.pool, owner, { batchSize: EXPORT_BATCH, visible, repair: (ids) => repair(deps.runs, ids, owner) });
    const out = backpressured(res);
    // The first batch is read before the headers go out: a failure there is still a problem document.
    let batch = await batches.next();
    res.status(200).set({
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="threads-${new Date().toISOString().slice(0, 10)}.jsonl"`,
    });
    try {
      for (; !batch.done; batch = await batches.next()) {
        for (const { thread, messages } of batch.value) {
          if (!(await out.write(`${JSON.stringify({ thread: threadJson(thread), messages: messages.map(messageJson) })}\n`))) return;
        }
      }
      res.end();
    } catch (err) {
      req.log.error({ err }, "the bulk export failed after it started");
      // Ending normally would make a truncated download look complete.
      res.destroy();
    } finally {
      await batches.return(undefined);
    }
  });

  router.post("/api/threads/:id/messages", doc({ summary: "Append messages to a thread without running the model", params: threadIdParams, body: appendBody, response: { status: 201 } }), requireJsonBody, async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const body = validate(appendBody, req.body);
    const { threadId } = await deps.runs.findNamedThread(id, res.locals.owner, await authorize(res, "threads:update", { thread_id: id }));
    const ids = await deps.runs.appendMessages(
      threadId,
      res.locals.owner,
      body.messages.map((m) => ({ role: m.role, content: m.content, metadata: m.metadata, id: m.id, toolCallId: m.tool_call_id, name: m.name })),
    );
    const byId = new Map((await deps.conversations.headMessages(threadId)).map((m) => [m.messageId, m]));
    res.status(201).json({ messages: ids.flatMap((messageId) => (byId.has(messageId) ? [messageJson(byId.get(messageId)!)] : [])) });
  });

  router.patch("/api/threads/:id", doc({ summary: "Change a thread's title or metadata", params: threadIdParams, body: patchBody }), requireJsonBody, async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const patch = validate(patchBody, req.body);
    // The auth handler may stamp the metadata as it would an Agent Server update.
    const value = { thread_id: id, metadata: patch.metadata };
    const { threadId } = await deps.runs.findNamedThread(id, res.locals.owner, await authorize(res, "threads:update", value));
    const thread = await deps.conversations.updateThread(threadId, res.locals.owner, { ...patch, metadata: value.metadata });
    if (!thread) throw notFound("Thread", id);
    res.json(threadJson(thread));
  });

  return router;
}

/**
 * Writes to a response at the pace the client reads: `write` resolves once the chunk is taken (at
 * once, unless the socket's buffer is full), or false when the client has gone and writing is over.
 */
function backpressured(res: Response): { write(chunk: string): Promise<boolean> } {
  // A client can leave before the first write; its close event has then already fired.
  let gone = res.socket?.destroyed ?? true;
  const wakers = new Set<() => void>();
  res.on("close", () => {
    gone = true;
    for (const wake of wakers) wake();
  });
  return {
    async write(chunk) {
      if (gone) return false;
      if (res.write(chunk)) return true;
      await new Promise<void>((resolve) => {
        const wake = () => {
          wakers.delete(wake);
          res.off("drain", wake);
          resolve();
        };
        wakers.add(wake);
        res.on("drain", wake);
      });
      return !gone;
    },
  };
}

/** Brings stale mirrors up to date the way a read of each thread would; a thread deleted meanwhile is skipped. */
async function repair(runs: RunManager, threadIds: string[], owner: Owner): Promise<void> {
  for (const threadId of threadIds) {
    await runs.findThread(threadId, owner).catch((err: unknown) => {
      if (!(err instanceof AppError && err.code === "not_found")) throw err;
    });
  }
}
