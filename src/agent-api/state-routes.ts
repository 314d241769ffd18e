import { type Response, Router } from "express";
import type pg from "pg";
import { z } from "zod";
import { HistoryRepository } from "../conversations/history-repository.js";
import type { ThreadRow } from "../conversations/conversation-repository.js";
import { notFound } from "../errors.js";
import { authorize } from "../http/access.js";
import { containsNul, requireJsonBody, validate } from "../http/validate.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import type { RunManager } from "../runs/run-manager.js";
import { checkStateMessages } from "./check-messages.js";
import { shownBytes, shownThread, shownValue } from "./shown-thread.js";
import { threadStateObject } from "./thread-state-object.js";
import { updateThreadState } from "./update-thread-state.js";
import { WireValues } from "./wire-values.js";
import { doc } from "../openapi/doc.js";
import { missingCheckpoint, refusePruned } from "../retention/missing-checkpoint.js";

export interface StateRoutesDeps {
  pool: pg.Pool;
  runs: RunManager;
  graphs: GraphRegistry;
}

const threadParams = z.object({ id: z.uuid("must be a UUID") });
const checkpointId = z.string().regex(/^[0-9a-f-]{36}$/, "must be a checkpoint id");
const subgraphsQuery = z.strictObject({ subgraphs: z.enum(["true", "false"], "must be true or false").optional() });
// "" is the root graph; a subgraph's is "node:task id", nested ones joined by "|" (a task's `checkpoint` gives it).
const checkpointNs = z.union([z.literal(""), z.string().max(2000).regex(/^[^|:]+:[^|:]+(\|[^|:]+:[^|:]+)*$/, "must be a namespace such as \"node:<task id>\"")]);
const checkpointConfig = z.strictObject({
  thread_id: z.string().optional(),
  checkpoint_ns: checkpointNs.optional(),
  checkpoint_id: checkpointId.optional(),
  checkpoint_map: z.record(z.string(), z.unknown()).nullish(),
});
// `before` comes as a checkpoint id, a CheckpointConfig (Python SDK), or a RunnableConfig (JS SDK).
const before = z.union([
  checkpointId,
  z.object({ checkpoint_id: checkpointId }),
  z.object({ configurable: z.object({ checkpoint_id: checkpointId }) }),
]);
const historyBody = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(10),
  before: before.nullish(),
  // A filter PostgreSQL compares as jsonb, which cannot hold NUL.
  metadata: z.record(z.string(), z.unknown()).nullish().refine((v) => !containsNul(v), "must not contain NUL characters"),
  checkpoint: checkpointConfig.nullish(),
});
const checkpointParams = threadParams.extend({ checkpoint_id: checkpointId });
const checkpointBody = z.strictObject({ checkpoint: checkpointConfig, subgraphs: z.boolean().nullish() });
const historyQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(10), before: checkpointId.optional() });
const updateBody = z.strictObject({
  values: z.record(z.string(), z.unknown()).nullish().refine((v) => !containsNul(v), "must not contain NUL characters").superRefine(checkStateMessages),
  as_node: z.string().min(1).max(200).optional(),
  checkpoint: checkpointConfig.nullish(),
  checkpoint_id: checkpointId.nullish(),
});

/**
 * The LangGraph Agent Server's state routes, for `@langchain/langgraph-sdk`'s `threads.getState`,
 * `getHistory` and `updateState`: the compiled graph's own snapshots in the Agent Server's shape.
 * Our `/api/threads/:id/history` reads the index instead; this walks checkpoints, as the SDK expects.
 */
export function stateRoutes(deps: StateRoutesDeps): Router {
  const router = Router();
  const history = new HistoryRepository(deps.pool);

  /**
   * The config that addresses a checkpoint of the thread (its head without `at`; a subgraph's with
   * `ns`), once the checkpoint is known to exist: LangGraph would start from nothing otherwise.
   */
  const addressOf = async (thread: ThreadRow, at: string | undefined, ns = "") => {
    if ((at || ns) && !(await history.checkpointExists(thread.threadId, at ?? null, ns))) throw at ? await missingCheckpoint(deps.pool, thread.threadId, at) : notFound("Checkpoint", ns);
    return { configurable: { thread_id: thread.threadId, checkpoint_ns: ns, ...(at ? { checkpoint_id: at } : {}) } };
  };

  // LangGraph's snapshots carry the thread's key; the API shows the thread's UUID (see ShownThread).
  const stateAt = async (thread: ThreadRow, at: string | undefined, subgraphs: boolean, ns = "") => {
    const config = await addressOf(thread, at, ns);
    const graph = await deps.graphs.forThread(thread.graphId, thread.threadId);
    const wire = new WireValues();
    return shownBytes(wire.chunks(threadStateObject(await graph.getState(config, { subgraphs }).catch(subgraphGone(ns)), wire)), shownThread(thread));
  };

  const historyOf = async (thread: ThreadRow, options: { limit: number; before?: string; metadata?: Record<string, unknown> | null; at?: string; ns?: string }) => {
    const config = await addressOf(thread, options.at, options.ns);
    if (options.before) await refusePruned(deps.pool, thread.threadId, options.before);
    const graph = await deps.graphs.forThread(thread.graphId, thread.threadId);
    const states = [];
    const wire = new WireValues();
    const listing = graph.getStateHistory(config, {
      limit: options.limit,
      ...(options.before ? { before: { configurable: { checkpoint_id: options.before } } } : {}),
      ...(options.metadata ? { filter: options.metadata } : {}),
    });
    try {
      for await (const snapshot of listing) states.push(threadStateObject(snapshot, wire));
    } catch (err) {
      subgraphGone(options.ns ?? "")(err);
    }
    return shownBytes(wire.chunks(states), shownThread(thread));
  };

  router.get("/threads/:id/state", doc({ summary: "The thread's current state", params: threadParams, query: subgraphsQuery }), async (req, res) => {
    const { id } = validate(threadParams, req.params, "path");
    const { subgraphs } = validate(subgraphsQuery, req.query, "query");
    const thread = await deps.runs.findAgentThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    sendJson(res, await stateAt(thread, undefined, subgraphs === "true"));
  });

  // Deprecated in the SDK in favour of POST /state/checkpoint, which it still uses for a string id.
  router.get("/threads/:id/state/:checkpoint_id", doc({ summary: "The thread's state at a checkpoint (deprecated in the SDK)", params: checkpointParams, query: subgraphsQuery }), async (req, res) => {
    const { id, checkpoint_id } = validate(checkpointParams, req.params, "path");
    const { subgraphs } = validate(subgraphsQuery, req.query, "query");
    const thread = await deps.runs.findAgentThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    sendJson(res, await stateAt(thread, checkpoint_id, subgraphs === "true"));
  });

  router.post("/threads/:id/state/checkpoint", doc({ summary: "The thread's state at a checkpoint", params: threadParams, query: subgraphsQuery, body: checkpointBody }), requireJsonBody, async (req, res) => {
    const { id } = validate(threadParams, req.params, "path");
    const body = validate(checkpointBody, req.body);
    const query = validate(subgraphsQuery, req.query, "query");
    const thread = await deps.runs.findAgentThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    sendJson(res, await stateAt(thread, body.checkpoint.checkpoint_id, Boolean(body.subgraphs) || query.subgraphs === "true", body.checkpoint.checkpoint_ns));
  });

  router.post("/threads/:id/state", doc({ summary: "Update the thread's state (as a node, from a checkpoint)", params: threadParams, body: updateBody }), requireJsonBody, async (req, res) => {
    const { id } = validate(threadParams, req.params, "path");
    const body = validate(updateBody, req.body);
    const thread = await deps.runs.findAgentThread(id, res.locals.owner, await authorize(res, "threads:update", { thread_id: id }));
    const from = body.checkpoint_id ?? body.checkpoint?.checkpoint_id ?? undefined;
    const ns = body.checkpoint?.checkpoint_ns ?? "";
    await addressOf(thread, from, ns);
    const graph = await deps.graphs.forThread(thread.graphId, thread.threadId);
    const checkpoint = await updateThreadState(deps.pool, graph, thread.threadId, { values: body.values ?? null, asNode: body.as_node, checkpointId: from, checkpointNs: ns }).catch(subgraphGone(ns));
    res.json({ checkpoint: shownValue(checkpoint, shownThread(thread)) });
  });

  router.get("/threads/:id/history", doc({ summary: "The thread's states, newest first", params: threadParams, query: historyQuery }), async (req, res) => {
    const { id } = validate(threadParams, req.params, "path");
    const query = validate(historyQuery, req.query, "query");
    const thread = await deps.runs.findAgentThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    sendJson(res, await historyOf(thread, query));
  });

  router.post("/threads/:id/history", doc({ summary: "The thread's states, newest first, filtered", params: threadParams, body: historyBody, bodyOptional: true }), requireJsonBody, async (req, res) => {
    const { id } = validate(threadParams, req.params, "path");
    const body = validate(historyBody, req.body);
    const thread = await deps.runs.findAgentThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    const b = body.before;
    const beforeId = b == null ? undefined : typeof b === "string" ? b : "configurable" in b ? b.configurable.checkpoint_id : b.checkpoint_id;
    sendJson(res, await historyOf(thread, { limit: body.limit, before: beforeId, metadata: body.metadata, at: body.checkpoint?.checkpoint_id, ns: body.checkpoint?.checkpoint_ns }));
  });

  return router;
}

/**
 * JSON already made (UTF-8, in pieces: see WireValues#chunks), with the Content-Type `res.json`
 * gives its own text; corked, the pieces leave in one `writev`.
 */
function sendJson(res: Response, chunks: Buffer[]): void {
  res.set("Content-Type", "application/json; charset=utf-8");
  res.set("Content-Length", String(chunks.reduce((n, c) => n + c.length, 0)));
  res.cork();
  for (const chunk of chunks) res.write(chunk);
  res.end();
}

/**
 * LangGraph's answer to a namespace its graph has no subgraph for (a checkpoint of a graph that has
 * changed since): the checkpoint is not there to read, a 404 rather than a 500.
 */
function subgraphGone(ns: string): (err: unknown) => never {
  return (err) => {
    if (ns && err instanceof Error && /^Subgraph .* not found$/.test(err.message)) throw notFound("Checkpoint", ns);
    throw err;
  };
}
