import { randomUUID } from "node:crypto";
import { Router } from "express";
import type pg from "pg";
import { z } from "zod";
import type { ConversationRepository, Owner, ThreadRow } from "../conversations/conversation-repository.js";
import { metadataContains } from "../conversations/metadata-contains.js";
import { AppError } from "../errors.js";
import { authorize } from "../http/access.js";
import { containsNul, requireJsonBody, validate } from "../http/validate.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import type { RunManager } from "../runs/run-manager.js";
import type { ThreadBranches } from "../runs/thread-branches.js";
import { threadUuid } from "../conversations/thread-json.js";
import { checkStateMessages } from "./check-messages.js";
import { commandBody } from "./run-request.js";
import { selectFields, shownMetadata, threadObject } from "./thread-object.js";
import { toCommand } from "./to-command.js";
import { bulkUpdateThreadState, type Superstep } from "./update-thread-state.js";
import { doc, NO_CONTENT } from "../openapi/doc.js";

export interface AgentThreadDeps {
  pool: pg.Pool;
  runs: RunManager;
  branches: ThreadBranches;
  graphs: GraphRegistry;
  conversations: ConversationRepository;
}

const STATUSES = ["idle", "busy", "interrupted", "error"] as const;
const THREAD_FIELDS = ["thread_id", "client_thread_id", "created_at", "updated_at", "state_updated_at", "metadata", "config", "status", "values", "interrupts"] as const;
const metadata = z.record(z.string(), z.unknown()).refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters");
const unsupported = (what: string) => z.undefined({ error: `${what} is not supported by this server` }).optional();
const params = z.object({ id: z.uuid("must be a UUID") });

// Not strict: the official client sends every field it knows, and newer clients know more. Fields
// whose meaning we do not implement are refused rather than ignored.
const update = z.object({
  values: z.record(z.string(), z.unknown()).nullish().refine((v) => !containsNul(v), "must not contain NUL characters").superRefine(checkStateMessages),
  command: commandBody.nullish(),
  as_node: z.string().min(1).max(200).optional(),
});
const createBody = z.object({
  thread_id: z.uuid("must be a UUID").optional(),
  metadata: metadata.default({}),
  if_exists: z.enum(["raise", "do_nothing"]).default("raise"),
  // State to start from, written as `threads.updateState` would write it, one checkpoint a superstep.
  supersteps: z.array(z.object({ updates: z.array(update).min(1).max(100) })).max(1000).optional(),
  ttl: unsupported("ttl"),
});
const filters = {
  metadata: metadata.optional(),
  status: z.enum(STATUSES).optional(),
  values: unsupported("a values filter"),
};
const searchBody = z.object({
  ...filters,
  ids: z.array(z.uuid("must be a UUID")).max(1000).optional(),
  limit: z.number().int().min(1).max(1000).default(10),
  offset: z.number().int().min(0).max(100_000).default(0),
  sort_by: z.enum(["thread_id", "status", "created_at", "updated_at"]).default("created_at"),
  sort_order: z.enum(["asc", "desc"]).default("desc"),
  select: z.array(z.enum(THREAD_FIELDS)).optional(),
  extract: unsupported("extract"),
});
const countBody = z.object(filters);
const patchBody = z.object({ metadata: metadata.optional(), ttl: unsupported("ttl") });

/**
 * The Agent Server's thread routes on our threads: the same rows `/api/threads` lists, owned by the
 * caller's key. A thread created here without a graph is the default graph's ("chat") until a run
 * names another; the graph id lives in our column and shows in metadata as `graph_id`.
 */
export function agentThreadRoutes(deps: AgentThreadDeps): Router {
  const router = Router();
  const graphOf = (thread: ThreadRow) => deps.graphs.forThread(thread.graphId, thread.threadId);
  const show = async (thread: ThreadRow) => threadObject(thread, await graphOf(thread));

  router.post("/threads", doc({ summary: "Create a thread (optionally with its id, and state to start from)", body: createBody, bodyOptional: true }), requireJsonBody, async (req, res) => {
    const body = validate(createBody, req.body);
    const owner: Owner = res.locals.owner;
    // The auth handler may stamp the metadata (an owner key, say): the thread is made with it as left.
    const value = { thread_id: body.thread_id, metadata: body.metadata, if_exists: body.if_exists };
    const visible = await authorize(res, "threads:create", value);
    body.metadata = value.metadata ?? {};
    const { graph_id: graphId = deps.graphs.defaultGraphId, ...rest } = body.metadata;
    if (typeof graphId !== "string" || !deps.graphs.has(graphId)) {
      throw invalid("metadata.graph_id", `unknown graph; known graphs: ${deps.graphs.ids().join(", ")}`);
    }
    const graphChosen = body.metadata.graph_id !== undefined;
    const supersteps = body.supersteps ?? [];
    // The state is written as a graph's, and the thread keeps that graph: it must be named.
    if (supersteps.length > 0 && !graphChosen) throw invalid("metadata.graph_id", "is required with supersteps (the graph whose state they write)");
    const threadId = body.thread_id ?? randomUUID();
    // Only the caller's own threads decide: another owner's thread with this UUID is, to the caller,
    // a UUID nobody has (the new thread is then known by it; see INSERT_AGENT_THREAD).
    const existing = body.thread_id ? await deps.conversations.findAgentThread(threadId, owner) : null;
    const created = existing ? null : await deps.conversations.createAgentThread({ threadId, owner, graphId, assistantId: graphId, metadata: rest, graphChosen });
    const mine = created ?? existing ?? (await deps.conversations.findAgentThread(threadId, owner));
    // One the handler would not show is still taken: a conflict, as upstream answers it.
    if (!mine || (!created && (body.if_exists === "raise" || !metadataContains(mine.metadata, visible)))) throw new AppError("conflict", `Thread ${threadId} already exists.`);
    if (supersteps.length === 0) return void res.json(await show(mine));
    // As upstream, on the thread answered: the new one, or with do_nothing the one there was.
    try {
      await bulkUpdateThreadState(deps.pool, await graphOf(mine), mine.threadId, supersteps.map(toSuperstep));
    } catch (err) {
      // A thread made for state it could not take is not left behind, empty.
      if (created) await deps.runs.deleteThread(created.threadId, owner);
      throw err;
    }
    res.json(await show((await deps.conversations.findThread(mine.threadId, owner)) ?? mine));
  });

  router.post("/threads/search", doc({ summary: "Search threads", body: searchBody, bodyOptional: true }), requireJsonBody, async (req, res) => {
    const body = validate(searchBody, req.body);
    const visible = await authorize(res, "threads:search", { metadata: body.metadata, ids: body.ids, status: body.status, limit: body.limit, offset: body.offset });
    const threads = await deps.conversations.searchAgentThreads(res.locals.owner, { ...body, visible }, {
      limit: body.limit, offset: body.offset, sortBy: body.sort_by, sortOrder: body.sort_order,
    });
    // Reading the state is the costly part: skipped when the fields that need it are not selected.
    const needsState = !body.select || body.select.some((f) => f === "values" || f === "interrupts" || f === "state_updated_at");
    const shown = await Promise.all(threads.map(async (t) => selectFields(needsState ? await show(t) : stateless(t), body.select)));
    if (threads.length === body.limit) res.set("X-Pagination-Next", String(body.offset + threads.length));
    res.set("X-Pagination-Total", String(body.offset + threads.length + (threads.length === body.limit ? 1 : 0)));
    res.json(shown);
  });

  router.post("/threads/count", doc({ summary: "Count threads", body: countBody, bodyOptional: true }), requireJsonBody, async (req, res) => {
    const body = validate(countBody, req.body);
    const visible = await authorize(res, "threads:search", { metadata: body.metadata, status: body.status, limit: 0, offset: 0 });
    res.json(await deps.conversations.countAgentThreads(res.locals.owner, { ...body, visible }));
  });

  router.get("/threads/:id", doc({ summary: "A thread", params }), async (req, res) => {
    const { id } = validate(params, req.params, "path");
    res.json(await show(await deps.runs.findAgentThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }))));
  });

  // Metadata is merged key by key, and a key sent as null is removed, as on /api/threads.
  router.patch("/threads/:id", doc({ summary: "Change a thread's metadata (merged)", params, body: patchBody }), requireJsonBody, async (req, res) => {
    const { id } = validate(params, req.params, "path");
    const body = validate(patchBody, req.body);
    const value = { thread_id: id, metadata: body.metadata };
    const thread = await deps.runs.findAgentThread(id, res.locals.owner, await authorize(res, "threads:update", value));
    const { graph_id: graphId, ...rest } = value.metadata ?? {};
    if (graphId !== undefined && graphId !== thread.graphId) {
      // The checkpoints hold this graph's state; another graph could not read them.
      throw invalid("metadata.graph_id", `cannot be changed; the thread belongs to graph ${thread.graphId}`);
    }
    const updated = Object.keys(rest).length ? await deps.conversations.updateThread(thread.threadId, res.locals.owner, { metadata: rest }) : thread;
    res.json(await show(updated ?? thread));
  });

  router.delete("/threads/:id", doc({ summary: "Delete a thread", params, response: NO_CONTENT }), async (req, res) => {
    const { id } = validate(params, req.params, "path");
    const thread = await deps.runs.findAgentThread(id, res.locals.owner, await authorize(res, "threads:delete", { thread_id: id }));
    await deps.runs.deleteThread(thread.threadId, res.locals.owner, id);
    res.status(204).end();
  });

  // A copy is a fork at the head: checkpoints and mirror, for the same owner. Unlike the JS server
  // (409), a missing thread is a 404, as on the Python one.
  router.post("/threads/:id/copy", doc({ summary: "Copy a thread, its checkpoints included, into a new thread", params }), async (req, res) => {
    const { id } = validate(params, req.params, "path");
    const owner: Owner = res.locals.owner;
    const thread = await deps.runs.findAgentThread(id, owner, await authorize(res, "threads:read", { thread_id: id }));
    // Reading it is not enough: the copy is a new thread, which the create handler may refuse or stamp.
    const admit = async (metadata: Record<string, unknown>, threadId: string) => {
      const value = { thread_id: threadId, metadata };
      await authorize(res, "threads:create", value);
      return value.metadata ?? {};
    };
    const newThreadId = randomUUID();
    const copy = thread.headCheckpointId
      ? await deps.branches.fork(thread, owner, undefined, admit)
      : await deps.conversations.createThread({
          threadId: newThreadId, owner, graphId: thread.graphId, assistantId: thread.assistantId,
          metadata: await admit({ ...thread.metadata, forked_from: threadUuid(thread) }, newThreadId),
        });
    if (!copy) throw new Error("a fresh thread id was taken");
    res.json(await show(copy));
  });

  return router;
}

/** A thread without reading its state: for searches that select none of the state's fields. */
function stateless(thread: ThreadRow) {
  return {
    thread_id: threadUuid(thread), client_thread_id: thread.clientThreadId, created_at: thread.createdAt.toISOString(), updated_at: thread.updatedAt.toISOString(),
    metadata: shownMetadata(thread), status: thread.status, config: {},
  };
}

/** A superstep as the SDK sends it: an update is a Command when it has one, else its values. */
function toSuperstep(step: { updates: z.infer<typeof update>[] }): Superstep {
  return { updates: step.updates.map((u) => ({ values: u.command != null ? toCommand(u.command) : (u.values ?? null), asNode: u.as_node })) };
}

function invalid(name: string, reason: string): AppError {
  return new AppError("invalid_request", `Invalid body: ${name}: ${reason}`, { fields: [{ name, reason }] });
}
