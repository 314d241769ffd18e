import { type Response, Router } from "express";
import { z } from "zod";
import { threadJson, messageJson } from "../conversations/thread-json.js";
import type { ConversationRepository } from "../conversations/conversation-repository.js";
import type { RunManager } from "../runs/run-manager.js";
import type { ThreadBranches } from "../runs/thread-branches.js";
import { authConfigurable, authorize } from "./access.js";
import { threadIdParams } from "./native-thread-id.js";
import { streamRun } from "./stream-run.js";
import { containsNul, validate } from "./validate.js";
import { doc, SSE_RESPONSE } from "../openapi/doc.js";

export interface BranchRoutesDeps {
  runs: RunManager;
  branches: ThreadBranches;
  conversations: ConversationRepository;
  maxMessageChars: number;
  heartbeatMs: number;
  sseMaxBufferBytes?: number;
}

// A message id is stored as text, which cannot hold NUL.
const messageId = z.string().min(1).max(200).refine((id) => !containsNul(id), "must not contain NUL (U+0000) characters");
const messageParams = threadIdParams.extend({ message_id: messageId });
const checkpointId = z.string().regex(/^[0-9a-f-]{36}$/, "must be a checkpoint id");
const historyQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(100).optional() });
const checkpointQuery = z.strictObject({ checkpoint_id: checkpointId.optional() });
const forkBody = z.strictObject({ checkpoint_id: checkpointId.optional() });

/** History, state at any checkpoint, and branching: edit, regenerate, switch head, fork. */
export function branchRoutes(deps: BranchRoutesDeps): Router {
  const router = Router();
  const onDisconnect = z.enum(["continue", "cancel"]).default("continue");
  const editBody = z.strictObject({
    content: z.string().trim().min(1, "must not be empty").max(deps.maxMessageChars, `must be at most ${deps.maxMessageChars} characters`).refine((c) => !containsNul(c), "must not contain NUL characters"),
    on_disconnect: onDisconnect,
  });
  const regenerateBody = z.strictObject({ on_disconnect: onDisconnect });
  const headBody = z.union([z.strictObject({ checkpoint_id: checkpointId }), z.strictObject({ message_id: messageId })], {
    error: "give either checkpoint_id or message_id",
  });

  router.get("/api/threads/:id/history", doc({ summary: "The thread's checkpoints, newest first, with the branch each is on", params: threadIdParams, query: historyQuery }), async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const { limit, cursor } = validate(historyQuery, req.query, "query");
    const thread = await deps.runs.findNamedThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    res.json(await deps.branches.listHistory(thread, { limit, cursor }));
  });

  router.get("/api/threads/:id/state", doc({ summary: "The thread's state at its head or at a checkpoint", params: threadIdParams, query: checkpointQuery }), async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const query = validate(checkpointQuery, req.query, "query");
    const thread = await deps.runs.findNamedThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    res.json(await deps.branches.state(thread, query.checkpoint_id));
  });

  // Edit a user message: run from the checkpoint before it with the new text, on a new branch.
  router.post("/api/threads/:id/messages/:message_id/edit", doc({ summary: "Edit a user message: run from before it with the new text, on a new branch", params: messageParams, body: editBody, response: SSE_RESPONSE }), async (req, res) => {
    const { id, message_id } = validate(messageParams, req.params, "path");
    const body = validate(editBody, req.body);
    const auth = await runAuth(res, id);
    const { threadId } = await deps.runs.findNamedThread(id, res.locals.owner, auth.visible);
    const before = await deps.branches.checkpointBefore(threadId, message_id, "user");
    const run = await deps.runs.createChatRun({ owner: res.locals.owner, threadId, checkpointId: before, message: { content: body.content }, requestId: String(req.id), ...auth });
    await streamRun(res, deps.runs, run, { heartbeatMs: deps.heartbeatMs, maxBufferBytes: deps.sseMaxBufferBytes, onDisconnect: body.on_disconnect });
  });

  // Regenerate an assistant reply: run again from the checkpoint before it, giving it a sibling.
  router.post("/api/threads/:id/messages/:message_id/regenerate", doc({ summary: "Regenerate an assistant reply, as a sibling branch", params: messageParams, body: regenerateBody, bodyOptional: true, response: SSE_RESPONSE }), async (req, res) => {
    const { id, message_id } = validate(messageParams, req.params, "path");
    const body = validate(regenerateBody, req.body);
    const auth = await runAuth(res, id);
    const { threadId } = await deps.runs.findNamedThread(id, res.locals.owner, auth.visible);
    const before = await deps.branches.checkpointBefore(threadId, message_id, "assistant");
    const run = await deps.runs.createChatRun({ owner: res.locals.owner, threadId, checkpointId: before, requestId: String(req.id), ...auth });
    await streamRun(res, deps.runs, run, { heartbeatMs: deps.heartbeatMs, maxBufferBytes: deps.sseMaxBufferBytes, onDisconnect: body.on_disconnect });
  });

  router.post("/api/threads/:id/head", doc({ summary: "Switch the thread's head to another branch", params: threadIdParams, body: headBody }), async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const body = validate(headBody, req.body);
    const thread = await deps.runs.findNamedThread(id, res.locals.owner, await authorize(res, "threads:update", { thread_id: id }));
    const target = "checkpoint_id" in body ? body.checkpoint_id : await deps.branches.branchOfMessage(thread.threadId, body.message_id);
    await deps.branches.switchHead(thread, target);
    const updated = await deps.runs.findThread(thread.threadId, res.locals.owner);
    res.json({ ...threadJson(updated), messages: (await deps.conversations.headMessages(thread.threadId)).map(messageJson) });
  });

  router.post("/api/threads/:id/fork", doc({ summary: "Fork the thread (at a checkpoint) into a new thread", params: threadIdParams, body: forkBody, bodyOptional: true, response: { status: 201 } }), async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const body = validate(forkBody, req.body);
    const thread = await deps.runs.findNamedThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    // The fork is a new thread, which the create handler may refuse or stamp.
    const fork = await deps.branches.fork(thread, res.locals.owner, body.checkpoint_id, async (metadata, threadId) => {
      const value = { thread_id: threadId, metadata };
      await authorize(res, "threads:create", value);
      return value.metadata ?? {};
    });
    res.status(201).location(`/api/threads/${fork.threadId}`).json({ ...threadJson(fork), messages: (await deps.conversations.headMessages(fork.threadId)).map(messageJson) });
  });

  return router;
}

/** An edit or a regenerate is a run on the thread: what the auth handler for threads:create_run decides. */
async function runAuth(res: Response, id: string) {
  return { visible: await authorize(res, "threads:create_run", { thread_id: id, metadata: {} }), configurable: authConfigurable(res) };
}
