import { Router } from "express";
import { z } from "zod";
import { ConversationRepository } from "../conversations/conversation-repository.js";
import { EXPORT_FORMATS, exportThread } from "../conversations/export-thread.js";
import { messageJson, threadJson } from "../conversations/thread-json.js";
import type { RunManager } from "../runs/run-manager.js";
import { authorize } from "./access.js";
import { threadIdParams } from "./native-thread-id.js";
import { threadListQuery } from "./thread-list-query.js";
import { validate } from "./validate.js";
import { doc, NO_CONTENT } from "../openapi/doc.js";

/** Listing, reading, exporting and deleting conversations, all read from the mirror. */
export function threadRoutes(deps: { runs: RunManager; conversations: ConversationRepository }): Router {
  const router = Router();
  const exportQuery = z.strictObject({ format: z.enum(EXPORT_FORMATS).default("json"), branches: z.enum(["head", "all"]).default("head") });

  router.get("/api/threads", doc({ summary: "List threads, newest first: by status, metadata, assistant or graph, or full-text search", query: threadListQuery }), async (req, res) => {
    const { limit, cursor, assistant_id: assistantId, graph_id: graphId, ...asked } = validate(threadListQuery, req.query, "query");
    const visible = await authorize(res, "threads:search", { metadata: asked.metadata, status: asked.status, limit });
    const filters = { ...asked, assistantId, graphId, visible };
    const [page, total] = await Promise.all([
      deps.conversations.listThreads(res.locals.owner, { limit, cursor, ...filters }),
      deps.conversations.countThreads(res.locals.owner, filters),
    ]);
    // With a search, each thread says where it matched: a snippet of its best-ranked message, terms in «»,
    // and whether that message is on the head branch (POST /head with its id switches to its branch).
    const threads = page.items.map((t) => (filters.q ? { ...threadJson(t), snippet: t.match?.snippet ?? null, snippet_message_id: t.match?.messageId ?? null, snippet_on_head_branch: t.match?.onHeadBranch ?? null } : threadJson(t)));
    res.json({ threads, next_cursor: page.nextCursor, total });
  });

  // `messages=false`: the thread's row alone, for a page that polls its status on a long thread.
  const readQuery = z.object({ messages: z.enum(["true", "false"]).default("true") });

  router.get("/api/threads/:id", doc({ summary: "A thread with its messages (on the head branch)", params: threadIdParams, query: readQuery }), async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const query = validate(readQuery, req.query, "query");
    const thread = await deps.runs.findNamedThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    if (query.messages === "false") return void res.json(threadJson(thread));
    const messages = await deps.conversations.headMessages(thread.threadId);
    res.json({ ...threadJson(thread), messages: messages.map(messageJson) });
  });

  router.get("/api/threads/:id/export", doc({ summary: "Download a thread as JSON (optionally every branch) or Markdown", params: threadIdParams, query: exportQuery, response: { type: ["application/json", "text/markdown"] } }), async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const { format, branches } = validate(exportQuery, req.query, "query");
    // The whole tree is a JSON export; markdown and jsonl are transcripts of the head branch.
    const tree = branches === "all" && format === "json";
    const thread = await deps.runs.findNamedThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    const messages = tree ? await deps.conversations.allMessages(thread.threadId) : await deps.conversations.headMessages(thread.threadId);
    const file = exportThread(thread, messages, format, tree);
    // Quoted always (res.attachment drops the quotes for token-safe names); the name holds only [A-Za-z0-9._-].
    res.type(file.contentType).set("Content-Disposition", `attachment; filename="${file.filename}"`).send(file.body);
  });

  router.delete("/api/threads/:id", doc({ summary: "Delete a thread", params: threadIdParams, response: NO_CONTENT }), async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const thread = await deps.runs.findNamedThread(id, res.locals.owner, await authorize(res, "threads:delete", { thread_id: id }));
    await deps.runs.deleteThread(thread.threadId, res.locals.owner, id);
    res.status(204).end();
  });

  return router;
}
