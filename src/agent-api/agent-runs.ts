import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Logger } from "pino";
import { ConversationRepository, type Owner, type ThreadRow } from "../conversations/conversation-repository.js";
import { type MetadataFilter, metadataContains } from "../conversations/metadata-contains.js";
import type { ThreadloomSaver } from "../db/threadloom-saver.js";
import { AppError, notFound } from "../errors.js";
import type { ActiveRun, RunResult } from "../runs/active-run.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import { CHANNELS, type Notifier } from "../runs/notifier.js";
import type { GraphException } from "../runs/graph-exception.js";
import type { RunEventLog, StoredEvent } from "../runs/run-event-log.js";
import type { RunManager } from "../runs/run-manager.js";
import type { RunEnd } from "../runs/run-recorder.js";
import { type CancelAction, type EnqueueInput, type MultitaskStrategy, type RunRecord, RunRepository } from "../runs/run-repository.js";
import type { AgentAssistants } from "./agent-assistants.js";
import { AgentStreamEncoder, libStreamModes } from "./agent-stream-encoder.js";
import { runObject } from "./run-object.js";
import { type ThreadStreamEvent, type ThreadStreamStart, threadStream } from "./thread-stream.js";
import { toCommand } from "./to-command.js";
import { checkResume } from "../runs/check-resume.js";
import { type ShownThread, shownThread } from "./shown-thread.js";
import { type RunCreateBody, type RunKwargs, runKwargs } from "./run-request.js";
import { wireJson } from "./wire-json.js";
import { missingCheckpoint } from "../retention/missing-checkpoint.js";

export interface AgentRunsDeps {
  pool: pg.Pool;
  manager: RunManager;
  graphs: GraphRegistry;
  assistants: AgentAssistants;
  checkpointer: ThreadloomSaver;
  eventLog: RunEventLog;
  notifier: Notifier;
  logger: Logger;
  /** Asks the run queue to look for runs to start (after one was queued). */
  kick(): void;
  /** Sends the webhook of a run that had one, once its end is recorded here (with its final values). */
  webhooks?: { runEnded(runId: string, values: unknown): Promise<void> };
}

/**
 * What the manifest's auth decided for a new run: the metadata its thread must contain to be run
 * on (else it is missing), what a thread the run creates is stamped with, and what the run gets in
 * `configurable` over the client's (the user). Empty without custom auth.
 */
export interface RunAuth {
  visible?: MetadataFilter;
  threadMetadata?: Record<string, unknown>;
  configurable?: Record<string, unknown>;
}

/** What `runs.wait` and `runs.join` answer: the final values, or the error the run ended with. */
export type WaitResult = Record<string, unknown> | null;

/** How long a finished run's result stays in memory for a waiter that is a little late. */
const RESULT_TTL_MS = 60_000;
/** How often a thread stream looks for a new run on its thread when no notification says so. */
const THREAD_POLL_MS = 2_000;
/** How long after a run's after_seconds the process that queued it looks for it (the clocks of Node and PostgreSQL differ a little). */
const DUE_MARGIN_MS = 100;

const threadBusy = (on: ShownThread, runningRunId: string | null) =>
  new AppError("conflict", `Thread ${on.shownId} already has a run in progress (${runningRunId}); wait for it to end, cancel it, or use another multitask_strategy.`, {
    running_run_id: runningRunId,
  });

/**
 * The Agent Server's runs over our run slot and queue: creating them (started here at once when the
 * thread is free, queued otherwise according to `multitask_strategy`), executing them (from a
 * create or from the queue, in any process) into the durable event log, and joining, waiting for
 * and cancelling them from any process.
 */
export class AgentRuns {
  private readonly runs: RunRepository;
  private readonly conversations: ConversationRepository;
  /**
   * Each run that ended here lately: its result for a waiter (`wait`, `join`), built when one asks.
   * Most runs are streamed and never waited for; built at the end, each was the thread's whole state
   * encoded and parsed back, and held as that copy for RESULT_TTL_MS.
   */
  private readonly results = new Map<string, () => WaitResult>();
  /** Cancels asked for runs not (yet) executing here: a run claimed just now may start any moment. */
  private readonly earlyCancels = new Map<string, CancelAction>();
  private readonly unlisten: () => void;

  constructor(private readonly deps: AgentRunsDeps) {
    this.runs = new RunRepository(deps.pool);
    this.conversations = new ConversationRepository(deps.pool);
    // A cancel asked of another process reaches the one running the run here.
    this.unlisten = deps.notifier.on(CHANNELS.runCancel, (payload) => {
      const [runId, given] = payload.split(":");
      const action = given === "rollback" ? "rollback" : "interrupt";
      if (!runId || deps.manager.cancel(runId, action)) return;
      this.earlyCancels.set(runId, action);
      setTimeout(() => this.earlyCancels.delete(runId), RESULT_TTL_MS).unref();
    });
  }

  close(): void {
    this.unlisten();
  }

  /**
   * Creates a run on the owner's thread (`threadId` null: a stateless run on a new thread of its
   * own). Returns it once it has started here or has been queued, with its thread as shown.
   */
  async create(owner: Owner, threadId: string | null, body: RunCreateBody, auth: RunAuth = {}): Promise<{ run: RunRecord; thread: ShownThread }> {
    // A place among the runs this process may execute at once, held until the run holds its own.
    const place = this.deps.manager.reservePlace();
    try {
      // Until the run is started here (or given back), upkeep must not take it for a lost one.
      return await this.deps.manager.claiming(() => this.claimAndStart(place, owner, threadId, body, auth));
    } finally {
      place?.();
    }
  }

  /** `create`; without a `place` a run that could start at once is queued instead. */
  private async claimAndStart(place: (() => void) | null, owner: Owner, threadId: string | null, body: RunCreateBody, auth: RunAuth): Promise<{ run: RunRecord; thread: ShownThread }> {
    if (!this.deps.manager.isAccepting()) throw new AppError("unavailable", "The service is shutting down; retry on another instance.");
    await this.deps.manager.checkQuota(owner);
    const assistant = await this.deps.assistants.resolve(owner.tenantId, body.assistant_id);
    const graphId = assistant.json.graph_id;
    if (!this.deps.graphs.has(graphId)) throw new AppError("conflict", `Assistant ${body.assistant_id} runs graph ${graphId}, which this server no longer has.`);
    // A graph's own assistant is recorded by its graph id, as /api/chat runs are.
    const assistantId = assistant.stored ? assistant.json.assistant_id : graphId;
    let thread = threadId ? await this.deps.manager.findAgentThread(threadId, owner).catch(ignoreNotFound) : null;
    // One the auth handler does not let the caller see is missing, and not made again either.
    if (threadId && thread && !metadataContains(thread.metadata, auth.visible)) throw notFound("Thread", threadId);
    if (threadId && !thread && body.if_not_exists !== "create") throw notFound("Thread", threadId);
    const kwargs = runKwargs(body, assistant.json);
    Object.assign(kwargs.config.configurable, auth.configurable);
    if (kwargs.checkpoint_id) {
      if (!thread) throw notFound("Checkpoint", kwargs.checkpoint_id);
      const at = await this.deps.checkpointer.getTuple({ configurable: { thread_id: thread.threadId, checkpoint_ns: "", checkpoint_id: kwargs.checkpoint_id } });
      if (!at) throw await missingCheckpoint(this.deps.pool, thread.threadId, kwargs.checkpoint_id);
    }
    if (kwargs.command?.resume !== undefined && thread?.status === "interrupted") {
      // Checked against the pause it answers, before the run (one queued behind a running run is
      // checked by the graph, when it runs).
      kwargs.command = { ...kwargs.command, resume: await checkResume(this.deps.checkpointer, thread.threadId, kwargs.command.resume, "command.resume", kwargs.checkpoint_id ?? undefined) };
    }
    if (threadId && !thread) {
      // if_not_exists create: made as POST /threads makes it, so another owner's thread with this
      // UUID makes no difference (the new one is known by it); made meanwhile by the owner, it is theirs.
      const made = { threadId, owner, graphId, assistantId, metadata: auth.threadMetadata ?? {}, graphChosen: true };
      thread = (await this.conversations.createAgentThread(made)) ?? (await this.deps.manager.findAgentThread(threadId, owner, auth.visible));
    }
    const shown = thread ? shownThread(thread) : null;
    const strategy: MultitaskStrategy = body.multitask_strategy ?? "enqueue";
    const run = {
      runId: randomUUID(),
      threadId: thread?.threadId ?? randomUUID(),
      tenantId: owner.tenantId,
      graphId,
      assistantId,
      assistantVersion: assistant.stored ? assistant.json.version : null,
      metadata: body.metadata ?? {},
      agent: { kwargs: kwargs as unknown as Record<string, unknown>, userId: owner.userId, multitaskStrategy: strategy, temporary: threadId === null && body.on_completion !== "keep" },
    };
    const on: ShownThread = shown ?? { threadId: run.threadId, shownId: run.threadId };
    const afterSeconds = body.after_seconds ?? 0;
    if (afterSeconds > 0) {
      // A run for later never starts now: it waits in the queue, and this process looks again when it is due.
      if (!thread) await this.conversations.createAgentThread({ threadId: run.threadId, owner, graphId, assistantId, metadata: {}, graphChosen: true });
      const queued = await this.enqueue(run, strategy, on, afterSeconds);
      setTimeout(() => this.deps.kick(), afterSeconds * 1000 + DUE_MARGIN_MS).unref();
      return queued;
    }
    const lease = await this.deps.manager.heldLease();
    const claimed = await this.runs
      .claim({ ...run, lease, newThread: thread ? undefined : { userId: owner.userId, metadata: auth.threadMetadata ?? {} } })
      .catch((err: { code?: string }) => {
        // The thread was deleted between our read and the claim (foreign key violation).
        if (err.code === "23503") throw notFound("Thread", on.shownId);
        throw err;
      });
    if (claimed.ok && !place) {
      // The thread is free but this process runs all it may (MAX_CONCURRENT_RUNS): the run waits,
      // pending, for a place here or in another process (the claim made its thread if it was new).
      await this.runs.release(run.runId, { workerId: lease.workerId, leaseEpoch: lease.epoch });
      await this.deps.pool.query(`SELECT pg_notify('${CHANNELS.runQueued}', $1)`, [run.threadId]);
      this.deps.kick();
      return { run: (await this.runs.find(run.runId))!, thread: on };
    }
    if (claimed.ok) {
      const { record } = claimed;
      const started = await this.start(record).catch(async (err) => {
        // Shutdown began meanwhile: give the slot back (and the thread, if the claim made it).
        await this.runs.unclaim(run.runId, run.threadId, thread?.status ?? null);
        throw err;
      });
      started.done.catch((err) => this.deps.logger.error({ err, runId: record.runId }, "run failed to start"));
      return { run: record, thread: on };
    }
    if (strategy === "reject") throw threadBusy(on, claimed.runningRunId);
    return this.enqueue(run, strategy, on, 0);
  }

  /**
   * Queues the run behind the thread's others (with `reject`, only on a thread that has none), due
   * `afterSeconds` from now; with `interrupt` or `rollback` the runs ahead of it are stopped.
   */
  private async enqueue(run: EnqueueInput, strategy: MultitaskStrategy, on: ShownThread, afterSeconds: number): Promise<{ run: RunRecord; thread: ShownThread }> {
    const queued = await this.runs.enqueue(run, { afterSeconds, onlyIfFree: strategy === "reject" });
    if (!queued) throw threadBusy(on, (await this.runs.inflight(run.threadId))[0]?.runId ?? null);
    if (strategy === "interrupt" || strategy === "rollback") {
      // Only the runs ahead of this one in the queue: one created meanwhile, behind it, is newer and
      // stays (and cancels this one in turn). Gone already, this one was itself cancelled by such a run.
      const inflight = (await this.runs.inflight(run.threadId)).map((r) => r.runId);
      const at = inflight.indexOf(run.runId);
      await this.cancel(run.threadId, at < 0 ? [] : inflight.slice(0, at), strategy);
    }
    this.deps.kick();
    // A run created just after this one may have rolled it back (deleted it) already: it is then
    // answered as it was queued, as the Agent Server answers it; reading it later finds nothing.
    return { run: (await this.runs.find(run.runId)) ?? queued, thread: on };
  }

  /**
   * Executes a run whose slot this process holds; resolves when it has ended and been recorded.
   * Used for runs started by `create` and for runs the queue claimed (perhaps again, after the
   * process that ran them died: the attempt then continues from the run's last checkpoint). `place`
   * is given back once the run is registered, which then holds its place itself.
   */
  async execute(record: RunRecord, place?: () => void): Promise<void> {
    const started = await this.start(record)
      .catch(async (err) => {
        // Not started (shutdown began): back to the queue for another process, no attempt spent.
        await this.runs.release(record.runId, claimOf(record));
        throw err;
      })
      // Started, it is the run manager's (and holds its own place); not started and not given back,
      // upkeep repairs it.
      .finally(() => {
        place?.();
        this.deps.manager.letGo(record.runId);
      });
    await started.done;
  }

  /** The run's events after `afterSeq`, live until it ends; with `modes`, only those modes' events. */
  async *events(runId: string, afterSeq: number, signal: AbortSignal, modes?: readonly string[]): AsyncGenerator<StoredEvent> {
    for await (const event of this.deps.eventLog.join(runId, afterSeq, signal)) {
      if (!modes?.length || wanted(event.event, modes)) yield event;
    }
  }

  /** The thread's runs' events, one run after another, live until `signal` aborts (GET /threads/:id/stream). */
  thread(threadId: string, start: ThreadStreamStart, signal: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    const deps = { pool: this.deps.pool, notifier: this.deps.notifier, runEvents: (runId: string, after: number, s: AbortSignal) => this.events(runId, after, s), pollMs: THREAD_POLL_MS };
    return threadStream(deps, threadId, start, signal);
  }

  /** Waits for the run to end (wherever it runs) and returns its final values or error. */
  async wait(run: RunRecord, signal?: AbortSignal): Promise<WaitResult> {
    await this.ended(run.runId, signal);
    const local = this.results.get(run.runId);
    if (local) return local();
    const after = await this.runs.find(run.runId);
    if (after?.status === "error" || after?.status === "timeout") return { __error__: after.error ? shownError(after.error) : { error: after.status, message: "" } };
    const config = { configurable: { thread_id: run.threadId } };
    const state = await (await this.deps.graphs.forThread(run.graphId, run.threadId)).getState(config);
    const interrupts = state.tasks.flatMap((t) => t.interrupts);
    return valuesResult(state.values, interrupts);
  }

  /** Resolves when the run is no longer pending or running. */
  async ended(runId: string, signal?: AbortSignal): Promise<void> {
    await this.deps.manager.ended(runId);
    // Not here (or not yet): wait for its events' end, reading none and asking for none sooner.
    for await (const _ of this.deps.eventLog.join(runId, 2 ** 31 - 1, signal, { follow: false })) void _;
    await this.deps.manager.ended(runId);
  }

  /** Asks runs of the thread to stop; returns those found (with `allOrNothing`, stops none unless all are). */
  async cancel(threadId: string, runIds: string[], action: CancelAction, allOrNothing = false): Promise<string[]> {
    if (runIds.length === 0) return [];
    const { found, applied } = await this.runs.cancel(threadId, runIds, action, allOrNothing);
    if (!applied) return found.map((r) => r.runId);
    for (const { runId, status } of found) {
      if (status === "running" && !this.deps.manager.cancel(runId, action)) {
        await this.deps.pool.query(`SELECT pg_notify('${CHANNELS.runCancel}', $1)`, [`${runId}:${action}`]);
      }
      // A queued run that will not start: whoever follows it learns it is over.
      if (status === "pending") await this.deps.eventLog.announce(runId);
    }
    return found.map((r) => r.runId);
  }

  /**
   * `POST /runs/cancel`: the given runs of one of the owner's threads (all must exist), or every run
   * of the owner's with a status (pending, running, or both). Returns the runs it asked to stop.
   */
  async cancelMany(owner: Owner, which: { threadId: string; runIds: string[] } | { status: "pending" | "running" | "all" }, action: CancelAction, visible?: MetadataFilter): Promise<string[]> {
    if ("status" in which) {
      const statuses: RunRecord["status"][] = which.status === "all" ? ["pending", "running"] : [which.status];
      const byThread = new Map<string, string[]>();
      for (const { threadId, runId } of await this.runs.ownedWithStatus(owner, statuses, visible)) byThread.set(threadId, [...(byThread.get(threadId) ?? []), runId]);
      const found: string[] = [];
      for (const [threadId, runIds] of byThread) found.push(...(await this.cancel(threadId, runIds, action)));
      return found;
    }
    const { threadId } = await this.deps.manager.findAgentThread(which.threadId, owner, visible);
    // All must exist: a request answered 404 has stopped none of them.
    const found = await this.cancel(threadId, which.runIds, action, true);
    const missing = which.runIds.filter((id) => !found.includes(id));
    if (missing.length > 0) throw notFound("Run", missing.join(", "));
    return found;
  }

  async find(threadId: string, runId: string): Promise<RunRecord> {
    const run = await this.runs.find(runId);
    if (!run || run.threadId !== threadId) throw notFound("Run", runId);
    return run;
  }

  /**
   * A run by id alone, if it is on one of the owner's threads (the stateless routes know no thread).
   * The thread decides, not the run: a /api/chat run records no user, and another user of the tenant
   * must find it as missing as a run that never was.
   */
  async findOwned(runId: string, owner: Owner, visible?: MetadataFilter): Promise<{ run: RunRecord; thread: ShownThread }> {
    const run = await this.runs.find(runId);
    // The same two reads whether the run is the owner's, another owner's or nobody's.
    const thread = await this.conversations.findThread(run?.threadId ?? runId, owner);
    if (!run || !thread || !metadataContains(thread.metadata, visible)) throw notFound("Run", runId);
    return { run, thread: shownThread(thread) };
  }

  list(thread: ThreadRow, options: { limit: number; offset: number; status?: RunRecord["status"] }): Promise<RunRecord[]> {
    return this.runs.list(thread.threadId, options);
  }

  async delete(threadId: string, runId: string): Promise<void> {
    const run = await this.find(threadId, runId);
    if (run.status === "running") {
      throw new AppError("conflict", `Run ${runId} is running; cancel it before deleting it.`, { run_status: run.status });
    }
    if (!(await this.runs.delete(runId, threadId))) throw new AppError("conflict", `Run ${runId} started meanwhile; cancel it before deleting it.`);
    await this.deps.eventLog.announce(runId);
  }

  /** Opens the run's event log and starts it; `done` resolves when it has ended and been recorded. */
  private async start(record: RunRecord): Promise<{ done: Promise<void> }> {
    const kwargs = record.kwargs as unknown as RunKwargs;
    const { runId, threadId } = record;
    // A factory graph is built from the run's own config, as upstream.
    const graph = await this.deps.graphs.get(record.graphId, { configurable: { ...kwargs.config.configurable, thread_id: threadId }, context: kwargs.context ?? undefined });
    const logger = this.deps.logger.child({ runId, threadId, attempt: record.attempt });
    const claim = claimOf(record);
    let run: ActiveRun | undefined;
    // A refused event write stops the run as a refused checkpoint write does.
    const writer = await this.deps.eventLog.open(runId, record.attempt, claim && { runId, ...claim, lost: () => run?.stop("lease_lost") });
    const encoder = new AgentStreamEncoder({ streamMode: kwargs.stream_mode, subgraphs: kwargs.stream_subgraphs });
    const write = (events: { event: string; data: string }[]) => {
      for (const e of events) writer.append(e.event, e.data);
    };
    write([encoder.metadata(runId, record.attempt)]);
    // A retried run that had written checkpoints continues from them rather than taking its input twice.
    const resumed = record.attempt > 1 && (await this.deps.checkpointer.hasRunCheckpoints(threadId, runId));
    const interrupts: unknown[] = [];
    try {
      run = this.deps.manager.adopt(
        {
          runId, threadId, tenantId: record.tenantId, graph, graphId: record.graphId,
          checkpointId: resumed ? undefined : (kwargs.checkpoint_id ?? undefined),
          // Tools that write on the tenant's behalf (send_email) read it here, never from the client.
          configurable: { ...kwargs.config.configurable, tenant_id: record.tenantId },
          context: kwargs.context ?? undefined,
          store: this.deps.graphs.storeFor(record.tenantId),
          claim,
          agent: {
            input: resumed ? null : kwargs.command ? toCommand(kwargs.command) : kwargs.input,
            streamModes: libStreamModes(kwargs.stream_mode),
            streamEvents: kwargs.stream_mode.includes("events"),
            interruptBefore: kwargs.interrupt_before ?? undefined,
            interruptAfter: kwargs.interrupt_after ?? undefined,
            // As the Agent Server tags them, so each streamed message's metadata says what produced it.
            metadata: { ...record.metadata, graph_id: record.graphId, assistant_id: runObject(record).assistant_id, run_attempt: record.attempt },
            recursionLimit: kwargs.config.recursion_limit,
            tags: kwargs.config.tags,
            durability: kwargs.durability ?? undefined,
            retryOnShutdown: true,
            onPart: (part) => {
              if (part.ns.length === 0 && part.mode === "updates") interrupts.push(...interruptsOf(part.chunk));
              write(encoder.part(part));
            },
            onStreamEvent: (event) => write(encoder.streamEvent(event)),
          },
        },
        logger,
      );
    } catch (err) {
      writer.end();
      throw err;
    }
    const early = this.earlyCancels.get(runId);
    if (early) run.stop(early === "rollback" ? "rollback" : "cancel");
    let moved = false;
    const started = run;
    let lastWritten = false;
    const done = this.deps.manager.start(run, {
      // Tried again until its events are saved: the last one is written once.
      beforeRecord: async (result) => {
        moved = started.retriesAfter(result.stopReason);
        if (result.error && !moved && !lastWritten) {
          const shown = shownError(result.error);
          write([encoder.error(Object.assign(new Error(shown.message), { name: shown.error }))]);
        }
        lastWritten = true;
        await writer.flush();
      },
      afterRecord: async (result, end) => {
        let built: { result: WaitResult } | undefined;
        this.results.set(runId, () => (built ??= { result: waitResult(result, end, interrupts) }).result);
        setTimeout(() => this.results.delete(runId), RESULT_TTL_MS).unref();
        if (kwargs.webhook && this.deps.webhooks) {
          // Not sent now, another process sends it, with the thread's values as they then are.
          await this.deps.webhooks.runEnded(runId, wireJson(end.values)).catch((err) => logger.warn({ err }, "could not start sending the run's webhook"));
        }
        if (record.temporary) await this.deleteTemporaryThread(record);
      },
    });
    return {
      done: done.finally(async () => {
        writer.end(moved);
        await this.deps.eventLog.announce(runId).catch((err) => logger.warn({ err }, "could not announce the end of a run"));
      }),
    };
  }

  private async deleteTemporaryThread(record: RunRecord): Promise<void> {
    await this.deps.pool.query("DELETE FROM threads WHERE thread_id = $1", [record.threadId]);
    await this.deps.checkpointer.deleteThread(record.threadId);
  }
}

/** The claim a run's record says it runs under (none for a run claimed before leases had epochs). */
function claimOf(record: RunRecord): { workerId: number; leaseEpoch: number } | undefined {
  return record.workerId !== null && record.leaseEpoch !== null ? { workerId: record.workerId, leaseEpoch: record.leaseEpoch } : undefined;
}

function interruptsOf(chunk: unknown): unknown[] {
  const list = (chunk as { __interrupt__?: unknown } | null)?.__interrupt__;
  return Array.isArray(list) ? list : [];
}

/**
 * A run's error as the Agent Server shows it: what the graph raised, by its class and message, as
 * upstream passes it on (GraphRecursionError, a node's CustomError); any other failure by our code
 * (model_auth_failed, internal, …) and our message, never the cause behind it.
 */
function shownError(error: { code: string; message: string; raised?: GraphException }): { error: string; message: string } {
  return error.raised ? { error: error.raised.name, message: error.raised.message } : { error: error.code, message: error.message };
}

function waitResult(result: RunResult, end: RunEnd, interrupts: unknown[]): WaitResult {
  if (result.error) return { __error__: shownError(result.error) };
  if (!end.values) return null;
  return valuesResult(end.values, interrupts);
}

/** The final values as the Agent Server's wait returns them, with the pending interrupts if it paused. */
function valuesResult(values: unknown, interrupts: unknown[]): Record<string, unknown> {
  const json = (wireJson(values) ?? {}) as Record<string, unknown>;
  return interrupts.length ? { ...json, __interrupt__: wireJson(interrupts) } : json;
}

/** Whether an event belongs to one of the stream modes a joiner asked for (metadata and errors always). */
function wanted(event: string, modes: readonly string[]): boolean {
  const base = event.split("|")[0]!;
  if (base === "metadata" || base === "error") return true;
  if (base === "messages") return modes.includes("messages-tuple");
  if (base.startsWith("messages/")) return modes.includes("messages");
  return modes.includes(base);
}

function ignoreNotFound(err: unknown): null {
  if (err instanceof AppError && err.code === "not_found") return null;
  throw err;
}
