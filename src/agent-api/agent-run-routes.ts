import { type Request, type Response, Router } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import { AppError } from "../errors.js";
import { type AuthEvent, authConfigurable, authorize, stamped } from "../http/access.js";
import { openSse } from "../http/open-sse.js";
import { requireJsonBody, validate } from "../http/validate.js";
import { RunMovedError } from "../runs/run-event-log.js";
import type { RunManager } from "../runs/run-manager.js";
import type { RunRecord } from "../runs/run-repository.js";
import type { AgentRuns, WaitResult } from "./agent-runs.js";
import { runObject } from "./run-object.js";
import { type ShownThread, shownText, shownThread } from "./shown-thread.js";
import { selectFields } from "./thread-object.js";
import { STREAM_MODES, runCreateBody } from "./run-request.js";
import { headerConfigurable } from "./header-configurable.js";
import type { ThreadStreamStart } from "./thread-stream.js";
import type { CheckWebhook } from "../webhooks/check-webhook.js";
import { doc, NO_CONTENT, SSE_RESPONSE } from "../openapi/doc.js";
import type { ProviderRefs } from "../providers/provider-refs.js";

export interface AgentRunRoutesDeps {
  agentRuns: AgentRuns;
  manager: RunManager;
  heartbeatMs: number;
  /** A client cut for reading too slowly rejoins from `run_events` (Last-Event-ID). */
  sseMaxBufferBytes?: number;
  logger: Logger;
  /** Checks a new run's `webhook`; without it, runs take none. */
  checkWebhook?: CheckWebhook;
  /** Checks that a run's `config.configurable.provider_id` names one of the tenant's providers. */
  providerRefs?: ProviderRefs;
}

const uuid = z.uuid("must be a UUID");
const RUN_FIELDS = ["run_id", "thread_id", "assistant_id", "created_at", "updated_at", "status", "metadata", "kwargs", "multitask_strategy", "attempt"] as const;
const threadParams = z.object({ id: uuid });
const runParams = z.object({ id: uuid, run_id: uuid });
const statelessRunParams = z.object({ run_id: uuid });
const flag = z.enum(["true", "false", "1", "0"], "must be true or false").transform((v) => v === "true" || v === "1");
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(10),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
  status: z.enum(["pending", "running", "error", "success", "timeout", "interrupted"]).optional(),
  select: z.union([z.enum(RUN_FIELDS), z.array(z.enum(RUN_FIELDS))]).optional(),
});
const joinQuery = z.object({
  cancel_on_disconnect: flag.optional(),
  stream_mode: z.union([z.enum(STREAM_MODES), z.array(z.enum(STREAM_MODES))]).optional(),
});
const cancelQuery = z.object({ wait: flag.default(false), action: z.enum(["interrupt", "rollback"]).default("interrupt") });
const cancelManyQuery = cancelQuery.pick({ action: true });
// Either a status, or a thread and its run ids (the SDK sends the fields it was not given as absent).
const cancelManyBody = z.union(
  [
    z.strictObject({ status: z.enum(["pending", "running", "all"]) }),
    z.strictObject({ thread_id: uuid, run_ids: z.array(uuid).min(1).max(1000) }),
  ],
  { error: "give status (pending, running or all), or thread_id with run_ids" },
);
const lastEventId = z.coerce.number().int().min(-1).max(2 ** 31 - 2);
// The thread stream's modes: every run event (and run_done), or only each run's start and end.
const threadStreamMode = z.enum(["run_modes", "lifecycle"], "must be run_modes or lifecycle (state_update is not supported by this server)");
const threadStreamQuery = z.object({ stream_mode: z.union([threadStreamMode, z.array(threadStreamMode)]).optional() });
const threadEventId = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d{1,10}|done)$/;

/**
 * The Agent Server's run routes: background, streamed and waited runs on a thread or stateless,
 * listing, joining (from the start or after `Last-Event-ID`), cancelling and deleting them. A
 * stream's `Location` is where the SDK reconnects to continue it, from any process.
 */
export function agentRunRoutes(deps: AgentRunRoutesDeps): Router {
  const router = Router();
  const { agentRuns } = deps;
  const at = (run: RunRecord, thread: ShownThread, stateless: boolean) => (stateless ? `/runs/${run.runId}` : `/threads/${thread.shownId}/runs/${run.runId}`);

  const create = async (req: Request, res: Response, stateless: boolean) => {
    const threadId = stateless ? null : validate(threadParams, req.params, "path").id;
    const given = validate(runCreateBody, req.body);
    const body = { ...given, config: { ...given.config, configurable: { ...given.config?.configurable, ...headerConfigurable(req.headers) } } };
    if (body.webhook != null) {
      if (!deps.checkWebhook) throw new AppError("invalid_request", "Invalid body: webhook: is not supported by this server", { fields: [{ name: "webhook", reason: "is not supported by this server" }] });
      await deps.checkWebhook(body.webhook);
    }
    await deps.providerRefs?.check(res.locals.owner.tenantId, body.config.configurable, "config.configurable.provider_id");
    // The auth handler sees the run as upstream shows it, and may stamp its metadata; what it adds
    // is also the metadata of a thread the run creates.
    const asked = body.metadata ?? {};
    const value = {
      thread_id: threadId ?? undefined, assistant_id: body.assistant_id, status: "pending", metadata: { ...asked },
      multitask_strategy: body.multitask_strategy ?? "enqueue", if_not_exists: body.if_not_exists ?? "reject", after_seconds: body.after_seconds ?? 0, kwargs: body,
    };
    const visible = await authorize(res, "threads:create_run", value);
    const metadata = value.metadata ?? {};
    const { run, thread } = await agentRuns.create(res.locals.owner, threadId, { ...body, metadata }, {
      visible, threadMetadata: stamped(asked, metadata), configurable: authConfigurable(res),
    });
    return { run, thread, body };
  };

  /** Streams the run's events to the response until it ends (or the client goes). */
  const stream = async (req: Request, res: Response, run: RunRecord, thread: ShownThread, options: { stateless: boolean; afterSeq: number; modes?: readonly string[]; cancelOnDisconnect: boolean }) => {
    const location = at(run, thread, options.stateless);
    const sse = openSse(res, { heartbeatMs: deps.heartbeatMs, maxBufferBytes: deps.sseMaxBufferBytes, headers: { "Content-Location": location, Location: `${location}/stream` } });
    const gone = new AbortController();
    sse.onDisconnect(() => {
      gone.abort();
      if (options.cancelOnDisconnect) {
        agentRuns.cancel(run.threadId, [run.runId], "interrupt").catch((err) => deps.logger.warn({ err, runId: run.runId }, "could not cancel a run whose client left"));
      }
    });
    try {
      for await (const e of agentRuns.events(run.runId, options.afterSeq, gone.signal, options.modes)) {
        sse.write(`event: ${e.event}\ndata: ${shownText(e.data, thread)}\nid: ${e.seq}\n\n`);
      }
    } catch (err) {
      if (err instanceof RunMovedError) {
        // Cut rather than ended: the client reconnects (at `Location`) and finds the run elsewhere.
        res.destroy();
        return;
      }
      req.log.error({ err, runId: run.runId }, "run stream failed");
    }
    sse.end();
  };

  const createAndStream = async (req: Request, res: Response, stateless: boolean) => {
    const { run, thread, body } = await create(req, res, stateless);
    await stream(req, res, run, thread, { stateless, afterSeq: -1, cancelOnDisconnect: (body.on_disconnect ?? "cancel") === "cancel" });
  };

  const createAndWait = async (req: Request, res: Response, stateless: boolean) => {
    const { run, thread, body } = await create(req, res, stateless);
    const gone = new AbortController();
    res.on("close", () => {
      if (res.writableFinished) return;
      gone.abort();
      if ((body.on_disconnect ?? "cancel") === "cancel") void agentRuns.cancel(run.threadId, [run.runId], "interrupt").catch(() => {});
    });
    await sendWhenDone(res, at(run, thread, stateless), agentRuns.wait(run, gone.signal), thread, deps.heartbeatMs);
  };

  router.post("/threads/:id/runs", doc({ summary: "Start a run on the thread in the background", params: threadParams, body: runCreateBody }), requireJsonBody, async (req, res) => {
    const { run, thread } = await create(req, res, false);
    res.set("Content-Location", at(run, thread, false)).json(runObject(run, thread.shownId));
  });
  router.post("/threads/:id/runs/stream", doc({ summary: "Start a run on the thread and stream it (stream_mode)", params: threadParams, body: runCreateBody, response: SSE_RESPONSE }), requireJsonBody, (req, res) => createAndStream(req, res, false));
  router.post("/threads/:id/runs/wait", doc({ summary: "Start a run on the thread and answer its final values", params: threadParams, body: runCreateBody }), requireJsonBody, (req, res) => createAndWait(req, res, false));

  router.post("/runs", doc({ summary: "Start a stateless run in the background", body: runCreateBody }), requireJsonBody, async (req, res) => {
    const { run, thread } = await create(req, res, true);
    res.set("Content-Location", at(run, thread, true)).json(runObject(run, thread.shownId));
  });
  router.post("/runs/stream", doc({ summary: "Start a stateless run and stream it", body: runCreateBody, response: SSE_RESPONSE }), requireJsonBody, (req, res) => createAndStream(req, res, true));
  router.post("/runs/wait", doc({ summary: "Start a stateless run and answer its final values", body: runCreateBody }), requireJsonBody, (req, res) => createAndWait(req, res, true));
  router.post("/runs/cancel", doc({ summary: "Cancel runs: by status, or a thread's runs by id", query: cancelManyQuery, body: cancelManyBody, response: NO_CONTENT }), requireJsonBody, async (req, res) => {
    const { action } = validate(cancelManyQuery, req.query, "query");
    const body = validate(cancelManyBody, req.body);
    const visible = await authorize(res, "threads:update", { thread_id: "thread_id" in body ? body.thread_id : undefined, action, metadata: "run_ids" in body ? { run_ids: body.run_ids } : { status: body.status } });
    await agentRuns.cancelMany(res.locals.owner, "status" in body ? body : { threadId: body.thread_id, runIds: body.run_ids }, action, visible);
    res.status(204).end();
  });

  router.get("/runs/:run_id/stream", doc({ summary: "Join a stateless run's stream (from Last-Event-ID)", params: statelessRunParams, query: joinQuery, response: SSE_RESPONSE }), async (req, res) => {
    const { run_id } = validate(statelessRunParams, req.params, "path");
    const query = validate(joinQuery, req.query, "query");
    const { run, thread } = await agentRuns.findOwned(run_id, res.locals.owner, await authorize(res, "threads:read", { run_id }));
    await stream(req, res, run, thread, { stateless: true, afterSeq: afterSeq(req), modes: modesOf(query.stream_mode), cancelOnDisconnect: query.cancel_on_disconnect ?? false });
  });

  router.get("/threads/:id/runs", doc({ summary: "The thread's runs, newest first", params: threadParams, query: listQuery }), async (req, res) => {
    const { id } = validate(threadParams, req.params, "path");
    const query = validate(listQuery, req.query, "query");
    const thread = await deps.manager.findAgentThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    const select = query.select === undefined ? undefined : [query.select].flat();
    res.json((await agentRuns.list(thread, query)).map((run) => selectFields(runObject(run, shownThread(thread).shownId), select)));
  });

  /**
   * The run, on the owner's thread the path names (by its UUID as shown: its key never is), if the
   * auth handler for `event` lets the caller at that thread.
   */
  const ownedRun = async (req: Request, res: Response, event: AuthEvent) => {
    const { id, run_id } = validate(runParams, req.params, "path");
    const value = event === "threads:update" ? { thread_id: id, action: "interrupt", metadata: { run_ids: [run_id] } } : { thread_id: id, run_id };
    const thread = shownThread(await deps.manager.findAgentThread(id, res.locals.owner, await authorize(res, event, value)));
    return { run: await agentRuns.find(thread.threadId, run_id), thread };
  };

  router.get("/threads/:id/runs/:run_id", doc({ summary: "A run", params: runParams }), async (req, res) => {
    const { run, thread } = await ownedRun(req, res, "threads:read");
    res.json(runObject(run, thread.shownId));
  });

  router.delete("/threads/:id/runs/:run_id", doc({ summary: "Delete a run that has ended", params: runParams, response: NO_CONTENT }), async (req, res) => {
    const { run } = await ownedRun(req, res, "threads:delete");
    await agentRuns.delete(run.threadId, run.runId);
    res.status(204).end();
  });

  router.get("/threads/:id/runs/:run_id/join", doc({ summary: "Wait for a run to end; its final values", params: runParams, query: joinQuery }), async (req, res) => {
    const query = validate(joinQuery, req.query, "query");
    const { run, thread } = await ownedRun(req, res, "threads:read");
    const gone = new AbortController();
    res.on("close", () => {
      if (res.writableFinished) return;
      gone.abort();
      if (query.cancel_on_disconnect) void agentRuns.cancel(run.threadId, [run.runId], "interrupt").catch(() => {});
    });
    await sendWhenDone(res, at(run, thread, false), agentRuns.wait(run, gone.signal), thread, deps.heartbeatMs);
  });

  router.get("/threads/:id/runs/:run_id/stream", doc({ summary: "Join a run's stream (from Last-Event-ID)", params: runParams, query: joinQuery, response: SSE_RESPONSE }), async (req, res) => {
    const query = validate(joinQuery, req.query, "query");
    const { run, thread } = await ownedRun(req, res, "threads:read");
    await stream(req, res, run, thread, { stateless: false, afterSeq: afterSeq(req), modes: modesOf(query.stream_mode), cancelOnDisconnect: query.cancel_on_disconnect ?? false });
  });

  // A second tab follows the thread: each run's events as it runs, then the next run's, until it leaves.
  router.get("/threads/:id/stream", doc({ summary: "Follow the thread: each run's events as it runs, until the client leaves", params: threadParams, query: threadStreamQuery, response: SSE_RESPONSE }), async (req, res) => {
    const { id } = validate(threadParams, req.params, "path");
    const query = validate(threadStreamQuery, req.query, "query");
    const start = threadStreamStart(req);
    const thread = shownThread(await deps.manager.findAgentThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id })));
    const modes = [query.stream_mode ?? "run_modes"].flat();
    const lifecycleOnly = !modes.includes("run_modes");
    // Where the SDK reconnects, with Last-Event-ID, after a dropped connection.
    const sse = openSse(res, { heartbeatMs: deps.heartbeatMs, maxBufferBytes: deps.sseMaxBufferBytes, headers: { Location: `/threads/${thread.shownId}/stream` } });
    const gone = new AbortController();
    sse.onDisconnect(() => gone.abort());
    try {
      for await (const e of agentRuns.thread(thread.threadId, start, gone.signal)) {
        if (lifecycleOnly && e.event !== "metadata" && e.event !== "run_done") continue;
        sse.write(`event: ${e.event}\ndata: ${shownText(e.data, thread)}\nid: ${e.id}\n\n`);
      }
    } catch (err) {
      if (err instanceof RunMovedError) {
        // As a run's stream: cut, so the client reconnects with Last-Event-ID and follows it elsewhere.
        res.destroy();
        return;
      }
      req.log.error({ err, threadId: thread.threadId }, "thread stream failed");
    }
    sse.end();
  });

  router.post("/threads/:id/runs/:run_id/cancel", doc({ summary: "Cancel a run (202; 204 once it ended, with wait)", params: runParams, query: cancelQuery, response: { status: 202, type: [] } }), async (req, res) => {
    const query = validate(cancelQuery, req.query, "query");
    const { run } = await ownedRun(req, res, "threads:update");
    const found = await agentRuns.cancel(run.threadId, [run.runId], query.action);
    if (found.length === 0) throw new AppError("not_found", `Run ${run.runId} was not found.`);
    if (query.wait) await agentRuns.ended(run.runId);
    res.status(query.wait ? 204 : 202).end();
  });

  return router;
}

/** `Last-Event-ID`: the last event the client has; the stream continues after it (from the start without one). */
function afterSeq(req: Request): number {
  const header = req.get("Last-Event-ID");
  if (header === undefined || header === "") return -1;
  const parsed = lastEventId.safeParse(header);
  if (!parsed.success) {
    throw new AppError("invalid_request", "Invalid header: Last-Event-ID: must be the id of an event of this run's stream.", {
      fields: [{ name: "Last-Event-ID", reason: "must be an event id (an integer)" }],
    });
  }
  return parsed.data;
}

/** Where a thread stream starts: after the event Last-Event-ID names; `-` from the thread's first run kept; without it, now. */
function threadStreamStart(req: Request): ThreadStreamStart {
  const header = req.get("Last-Event-ID");
  if (header === undefined || header === "") return { from: "now" };
  if (header === "-") return { from: "first" };
  const match = threadEventId.exec(header);
  if (!match) {
    throw new AppError("invalid_request", "Invalid header: Last-Event-ID: must be the id of an event of this thread's stream, or -.", {
      fields: [{ name: "Last-Event-ID", reason: "must be <run id>:<event number>, <run id>:done, or -" }],
    });
  }
  return { from: "after", runId: match[1]!, seq: match[2] === "done" ? "done" : Number(match[2]) };
}

function modesOf(mode: string | string[] | undefined): string[] | undefined {
  return mode === undefined ? undefined : Array.isArray(mode) ? mode : [mode];
}

/**
 * A long wait's answer: headers at once, then a newline now and then so proxies keep the connection
 * (JSON allows leading whitespace), then the result. A failure after the headers is the body's
 * `__error__`, as the Agent Server reports a failed run.
 */
async function sendWhenDone(res: Response, location: string, result: Promise<WaitResult>, thread: ShownThread, keepAliveMs: number): Promise<void> {
  res.writeHead(200, { "Content-Type": "application/json", "Content-Location": location });
  res.flushHeaders();
  const keepAlive = setInterval(() => res.write("\n"), keepAliveMs);
  try {
    const value = await result.catch((err: Error) => ({ __error__: { error: err.name, message: err.message } }));
    res.end(shownText(JSON.stringify(value), thread));
  } finally {
    clearInterval(keepAlive);
  }
}
