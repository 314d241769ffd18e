import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import type { Logger } from "pino";
import { AssistantRepository } from "../assistants/assistant-repository.js";
import { ConversationRepository, type Owner, type ThreadRow } from "../conversations/conversation-repository.js";
import { type MetadataFilter, metadataContains } from "../conversations/metadata-contains.js";
import { publicThreadId } from "../conversations/thread-json.js";
import type { NewMessage } from "../conversations/to-langchain-message.js";
import { describeDatabaseError, isTransientDatabaseError } from "../db/database-unavailable.js";
import { keepTrying } from "../db/keep-trying.js";
import { inTransaction } from "../db/queryable.js";
import { ThreadloomSaver } from "../db/threadloom-saver.js";
import { AppError, noAssistant, notFound } from "../errors.js";
import type { TokenQuota } from "../limits/token-quota.js";
import type { Metrics } from "../metrics/metrics.js";
import type { ModelServers } from "../models/model-servers.js";
import { checkResume } from "./check-resume.js";
import { ActiveRun, type RunInput, type RunLimits, type RunResult } from "./active-run.js";
import { appendMessages } from "./append-messages.js";
import type { GraphRegistry, ResolvedGraph } from "./graph-registry.js";
import { ClaimLostError } from "./run-claim.js";
import { type RunEnd, RunRecorder } from "./run-recorder.js";
import { type CancelAction, RunRepository } from "./run-repository.js";
import { stopOutcome } from "./run-stop.js";
import type { LeaseClaim, LeaseSource } from "./worker-lease.js";
import { messagesKey } from "./messages-channel.js";
import type { NativeRecording, NativeRunEvents, NumberedEvent } from "./native-run-events.js";
import { missingCheckpoint } from "../retention/missing-checkpoint.js";
import type { ProviderModels } from "../providers/provider-models.js";
import { withRunProviders } from "../providers/provider-registry.js";
import type { ProviderRefs } from "../providers/provider-refs.js";

export interface ChatRunRequest {
  owner: Owner;
  /** The thread as a native client names it (its UUID or the client's own id); one not used yet starts it. */
  threadId?: string;
  assistantId?: string;
  checkpointId?: string;
  /** The user's message; omitted to continue from `checkpointId` without one (regenerate). */
  message?: { content: string; metadata?: Record<string, unknown> };
  /** A decision for the interrupted thread's pending `interrupt()`, given instead of a message. */
  resume?: unknown;
  /** The graph's input itself (any graph's state), given instead of a message. */
  input?: Record<string, unknown>;
  /** Messages for the graph's conversation, given instead of a message (a client that sends the history itself). */
  messages?: { role: "user" | "assistant" | "system"; content: string }[];
  /** The metadata of a thread the run starts. */
  threadMetadata?: Record<string, unknown>;
  /** Metadata the thread must contain to be run on (an auth handler's filter): else it is missing. */
  visible?: MetadataFilter;
  /** Put in the run's `configurable` (the authenticated user, under custom auth). */
  configurable?: Record<string, unknown>;
  /** The client's own settings for this run (`/api/chat`'s `configurable`: provider_id, model), over the assistant's. */
  settings?: Record<string, unknown>;
  /** The HTTP request that started the run, so its logs and the run's can be joined. */
  requestId?: string;
}

export interface RunManagerDeps {
  pool: pg.Pool;
  checkpointer: ThreadloomSaver;
  graphs: GraphRegistry;
  /** This process's lease: runs are claimed under it, and their writes fenced by it. */
  lease: LeaseSource;
  limits: RunLimits;
  logger: Logger;
  /** The model servers runs call: each call's outcome is recorded there, and their keys kept out of logs. */
  models?: ModelServers;
  /** How many times a queued run is tried when processes die under it (default 1: never again). */
  maxAttempts?: number;
  /** Called when a thread's slot frees with runs waiting for it, or runs were queued again. */
  onQueueReady?: (threadId: string | null) => void;
  /** Told how each run went, as it ends (GET /metrics). */
  metrics?: Pick<Metrics, "runEnded">;
  /** Refuses new runs of a tenant past its tokens for the day (TOKEN_QUOTA_PER_DAY). */
  quota?: Pick<TokenQuota, "check">;
  /** Where native runs' events are kept, so their streams can be joined again (from any process). */
  nativeEvents: NativeRunEvents;
  /** Runs this process executes at once (MAX_CONCURRENT_RUNS); unlimited when not given. */
  maxRuns?: number;
  /** Called when a run ends in a process that was running all it may: queued runs can start here now. */
  onRoom?: () => void;
  /** The tenants' model providers, which a run's graph reaches through the provider registry. */
  providers?: ProviderModels;
  /** Checks that a run's provider_id names one of its tenant's providers before the run is claimed. */
  providerRefs?: ProviderRefs;
}

/** What a caller may do around the end of a run it started (the Agent Server's event log does). */
export interface RunHooks {
  /** Before the run's end is recorded (or it is queued again): its last events are written here. */
  beforeRecord?(result: RunResult): Promise<void>;
  /** After it is recorded: the final checkpoint and its values (null when the run was rolled back). */
  afterRecord?(result: RunResult, end: RunEnd): Promise<void>;
}



/**
 * Starts, tracks and finishes runs. A run takes its thread's slot in PostgreSQL (so replicas agree),
 * streams without waiting for the mirror, and at its end projects the checkpoint state into the
 * mirror and records its outcome in one transaction.
 */
export class RunManager {
  private readonly active = new Map<string, { run: ActiveRun; done: Promise<void> }>();
  /** Runs being validated and claimed: shutdown waits for them, so none slips in after it looked. */
  private readonly creating = new Set<Promise<ActiveRun>>();
  /** Messages being appended outside a run: shutdown waits for them too, before the pool closes. */
  private readonly appending = new Set<Promise<string[]>>();
  /** Places among `maxRuns` taken by runs being claimed, not yet registered in `active`. */
  private reserved = 0;
  private readonly conversations: ConversationRepository;
  private readonly runs: RunRepository;
  private readonly assistants: AssistantRepository;
  private readonly recorder: RunRecorder;
  private accepting = true;
  /** Native runs (createChatRun's) claimed and not started yet: their events are recorded once they start. */
  private readonly native = new Set<string>();
  /** Native runs' closing events being saved: shutdown waits for them, before the pool closes. */
  private readonly closing = new Set<Promise<void>>();
  /** Runs claimed from the queue and not started yet: upkeep leaves them alone. */
  private readonly held = new Set<string>();
  /** Claims in flight besides chat runs' (`creating`): upkeep judges none of this process's runs meanwhile. */
  private claimsInFlight = 0;
  /** Aborted at shutdown: what is still retried against an unreachable database is left to the next process. */
  private readonly giveUp = new AbortController();

  constructor(private readonly deps: RunManagerDeps) {
    this.conversations = new ConversationRepository(deps.pool);
    this.runs = new RunRepository(deps.pool);
    this.assistants = new AssistantRepository(deps.pool);
    this.recorder = new RunRecorder(deps);
    // Every write and recording waiting for the database listens to it.
    setMaxListeners(0, this.giveUp.signal);
    // A run's checkpoint write the database could not take: the run stops, the write is kept until
    // it lands. A read it could not make waits for the database (nothing of the run is lost yet).
    deps.checkpointer.whenUnavailable = (threadId, kind) => {
      const entry = [...this.active.values()].find((e) => e.run.input.threadId === threadId);
      if (!entry) return null;
      if (kind === "write") entry.run.stop("database_unavailable");
      return this.giveUp.signal;
    };
  }

  get activeCount(): number {
    return this.active.size;
  }

  /**
   * Takes a place for a run about to be claimed here, or null when `maxRuns` runs already hold one.
   * Taken before the claim, so a burst of requests cannot all pass the check at once. Once the run is
   * registered its entry holds the place: call the result then (or when the claim failed).
   */
  reservePlace(): (() => void) | null {
    if (this.active.size + this.reserved >= (this.deps.maxRuns ?? Infinity)) return null;
    this.reserved++;
    let held = true;
    return () => {
      if (held) this.reserved--;
      held = false;
    };
  }

  /**
   * A place, waiting a moment when only claims in flight hold the rest (the queue reserves one before
   * each look at it, and mostly finds nothing): a free process does not refuse a stream for that.
   */
  private async placeSoon(): Promise<(() => void) | null> {
    for (let waited = 0; ; waited += PLACE_POLL_MS) {
      const place = this.reservePlace();
      if (place || this.active.size >= (this.deps.maxRuns ?? Infinity) || waited >= PLACE_WAIT_MS) return place;
      await sleep(PLACE_POLL_MS);
    }
  }

  /** Validates and claims; throws 404/409-kind errors before anything is streamed. Call `start` next. */
  async createChatRun(request: ChatRunRequest): Promise<ActiveRun> {
    const place = await this.placeSoon();
    if (!place) {
      throw new AppError("unavailable", `This instance is running as many runs as it may (${this.deps.maxRuns}); retry in a moment.`, { retry_after: OVERLOAD_RETRY_AFTER_S });
    }
    const creating = this.claimChatRun(request);
    this.creating.add(creating);
    try {
      return await creating;
    } finally {
      this.creating.delete(creating);
      place();
    }
  }

  private async claimChatRun(request: ChatRunRequest): Promise<ActiveRun> {
    return this.claimOnce(request).catch((err: { code?: string; constraint?: string }) => {
      // Another request started a thread with this client id between our read and our claim: that
      // thread is now the one this message continues (or finds busy).
      if (err.code === "23505" && err.constraint === "threads_owner_client_id") return this.claimOnce(request);
      throw err;
    });
  }

  private async claimOnce(request: ChatRunRequest): Promise<ActiveRun> {
    if (!this.accepting) throw shuttingDown();
    await this.checkQuota(request.owner);
    await this.deps.providerRefs?.check(request.owner.tenantId, request.settings, "configurable.provider_id");
    const existing = request.threadId ? await this.conversations.findNamedThread(request.threadId, request.owner) : null;
    // One the auth handler does not let the caller see is missing, and not started again either.
    if (existing && !metadataContains(existing.metadata, request.visible)) throw notFound("Thread", request.threadId!);
    // An id not used yet starts a thread with a message; there is nothing to resume or branch from.
    if (request.threadId && !existing && (request.resume !== undefined || request.checkpointId)) throw notFound("Thread", request.threadId);
    requireResumeFits(request, existing);
    if (request.checkpointId) await this.requireCheckpoint(existing?.threadId, request.checkpointId);
    const resume = request.resume === undefined ? undefined : await checkResume(this.deps.checkpointer, existing!.threadId, request.resume, "resume", request.checkpointId);
    const { graphId, assistantId, configurable, context, assistantVersion } = await this.resolveAssistant(request, existing);
    // A thread the client names keeps a UUID of its own, random: see migration 0007.
    const threadId = existing?.threadId ?? randomUUID();
    const graph = await this.deps.graphs.get(graphId, { configurable: { ...configurable, thread_id: threadId }, context });
    const key = messagesKey(graph);
    const field = request.message ? "message" : request.messages ? "messages" : null;
    if (field && key === null) {
      throw new AppError("invalid_request", `Invalid body: ${field}: the ${graphId} graph keeps no messages; send input (its state) instead.`, {
        fields: [{ name: field, reason: `the ${graphId} graph keeps no messages; send input instead` }],
      });
    }
    const graphInput = request.messages && key ? { [key]: request.messages } : request.input;
    // The id the run's events and errors show (a thread known by another UUID shows that one, never its key).
    const clientThreadId = existing ? existing.clientThreadId : (request.threadId ?? null);
    const shownId = publicThreadId({ threadId, clientThreadId, knownAs: existing?.knownAs ?? null });
    const runId = randomUUID();
    // No run can be claimed while the lease is being taken again, but a busy thread is refused then as
    // at any other time: the caller learns which run it waits for, rather than "retry".
    if (existing?.status === "busy" && !this.deps.lease.current()) {
      const running = (await this.runs.inflight(threadId)).find((r) => r.status === "running");
      if (running) throw threadBusy(shownId, running.runId);
    }
    const lease = await this.heldLease();
    // A run given input holds its `start` until the input's checkpoint is committed (see ActiveRun):
    // nothing is acknowledged before that synchronous commit, which makes the claim durable with it.
    const quickCommit = Boolean(request.message || graphInput) && graph.checkpointer instanceof ThreadloomSaver;
    const claim = () =>
      this.runs.claim({
        runId, threadId, tenantId: request.owner.tenantId, graphId, assistantId, assistantVersion, lease, metadata: {}, quickCommit,
        requireStatus: request.resume !== undefined ? "interrupted" : undefined,
        newThread: existing ? undefined : { userId: request.owner.userId, metadata: request.threadMetadata ?? {}, clientThreadId },
      });
    const claimOrGone = () =>
      claim().catch((err: { code?: string }) => {
        // The thread was deleted between our read and the claim (foreign key violation).
        throw err.code === "23503" ? notFound("Thread", shownId) : err;
      });
    let claimed = await claimOrGone();
    // The run holding the slot may belong to a process that died: free it, then try once more.
    if (!claimed.ok && (await this.recover()).includes(threadId)) claimed = await claimOrGone();
    if (claimed.ok && !this.accepting) {
      // Shutdown began while the claim waited: give the slot back rather than start on a closing pool.
      await this.runs.unclaim(runId, threadId, existing?.status ?? null);
      throw shuttingDown();
    }
    if (!claimed.ok && claimed.runningRunId === null && request.resume !== undefined) {
      // Another resume took the decision and finished between our read and our claim.
      throw new AppError("conflict", `Thread ${shownId} is no longer waiting for a decision: there is nothing to resume.`);
    }
    if (!claimed.ok) throw threadBusy(shownId, claimed.runningRunId);
    const run = new ActiveRun(
      {
        runId, threadId, tenantId: request.owner.tenantId, clientThreadId: shownId === threadId ? null : shownId, graphId, graph, message: request.message && { id: randomUUID(), ...request.message }, resume, graphInput, checkpointId: request.checkpointId,
        // Tools that write on the tenant's behalf (send_email) read it here, never from the model.
        configurable: { ...configurable, ...request.settings, ...request.configurable, tenant_id: request.owner.tenantId },
        context,
        store: this.deps.graphs.storeFor(request.owner.tenantId),
        claim: { workerId: lease.workerId, leaseEpoch: lease.epoch },
      },
      this.deps.limits,
      this.deps.logger.child({ runId, threadId, reqId: request.requestId }),
      this.deps.models,
    );
    this.active.set(runId, { run, done: Promise.resolve() });
    this.native.add(runId);
    return run;
  }

  /** The native run in progress on the thread (its internal UUID), or null when none is. */
  activeNativeRun(threadId: string): Promise<string | null> {
    return this.deps.nativeEvents.active(threadId);
  }

  /** Whether `runId` is a native run of the thread (its internal UUID). */
  isNativeRunOf(threadId: string, runId: string): Promise<boolean> {
    return this.deps.nativeEvents.isRunOf(threadId, runId);
  }

  /**
   * A native run's events after `afterSeq` (the ids its SSE frames carry, from 1; 0 for all), live until
   * its closing `end` or `error`, or until `signal` aborts; from whichever process runs it.
   */
  joinNativeRun(runId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<NumberedEvent> {
    return this.deps.nativeEvents.join(runId, afterSeq, signal);
  }

  /** Runs to the end; resolves once the mirror and the run record are written. Never rejects. */
  start(run: ActiveRun, hooks: RunHooks = {}): Promise<void> {
    const done = this.execute(run, hooks).finally(() => {
      const full = this.active.size + this.reserved >= (this.deps.maxRuns ?? Infinity);
      this.active.delete(run.runId);
      if (full) this.deps.onRoom?.();
    });
    this.active.set(run.runId, { run, done });
    return done;
  }

  /**
   * A run whose slot is already taken (claimed from the queue, or by the caller): registered and
   * ready to `start`. Refused once shutdown has begun.
   */
  adopt(input: RunInput, logger: Logger): ActiveRun {
    if (!this.accepting) throw shuttingDown();
    const run = new ActiveRun(input, this.deps.limits, logger, this.deps.models);
    this.active.set(run.runId, { run, done: Promise.resolve() });
    return run;
  }

  /**
   * The lease to claim a run under; while it is being taken again (its connection dropped) a claim
   * waits for it a little rather than fail at once.
   */
  async heldLease(): Promise<LeaseClaim> {
    const lease = await this.deps.lease.held(LEASE_WAIT_MS);
    if (!lease) throw new AppError("unavailable", "This instance is renewing its hold on the database; retry in a moment.");
    return lease;
  }

  /**
   * Stops every run executing here (this process could not prove its lease for LEASE_TTL_MS / 2, so
   * others may soon reap them); resolves once they have ended and saved what they could.
   */
  async abandonAll(): Promise<void> {
    const entries = [...this.active.values()];
    for (const { run } of entries) run.stop("lease_lost");
    await Promise.all(entries.map((e) => e.done));
  }

  /**
   * Runs `claim` (a claim and the registration that follows it) as a step upkeep waits for: while it
   * is in flight, upkeep judges none of this process's runs, so it never takes a run claimed a moment
   * ago for one this process has lost.
   */
  async claiming<T>(claim: () => Promise<T>): Promise<T> {
    this.claimsInFlight++;
    try {
      return await claim();
    } finally {
      this.claimsInFlight--;
    }
  }

  /** Keeps a run claimed from the queue out of upkeep's repairs until it is started here or `letGo`. */
  hold(runId: string): void {
    this.held.add(runId);
  }

  letGo(runId: string): void {
    this.held.delete(runId);
  }

  /** Stops a run executing in this process; false when it does not run here. */
  cancel(runId: string, action: CancelAction = "interrupt"): boolean {
    const entry = this.active.get(runId);
    entry?.run.stop(action === "rollback" ? "rollback" : "cancel");
    return Boolean(entry);
  }

  /** Resolves when the run executing here has ended and been recorded (at once if it does not run here). */
  async ended(runId: string): Promise<void> {
    await this.active.get(runId)?.done;
  }

  /** Refuses a new run (quota_exceeded) once the owner's tenant has used its tokens for the day. */
  async checkQuota(owner: Owner): Promise<void> {
    await this.deps.quota?.check(owner.tenantId);
  }

  isAccepting(): boolean {
    return this.accepting;
  }

  /**
   * The owner's thread with its mirror brought up to date (after a crash, for example). With `filter`
   * (what an auth handler allows), a thread whose metadata does not contain it is as missing as any.
   */
  async findThread(threadId: string, owner: Owner, filter?: MetadataFilter): Promise<ThreadRow> {
    return this.upToDate(await this.conversations.findThread(threadId, owner), threadId, owner, filter);
  }

  /** `findThread` for an id the Agent Server API was sent: the thread's UUID or the one it is known by. */
  async findAgentThread(id: string, owner: Owner, filter?: MetadataFilter): Promise<ThreadRow> {
    return this.upToDate(await this.conversations.findAgentThread(id, owner), id, owner, filter);
  }

  /** `findThread` for an id a native client sent: the thread's UUID or the client's own id for it. */
  async findNamedThread(id: string, owner: Owner, filter?: MetadataFilter): Promise<ThreadRow> {
    return this.upToDate(await this.conversations.findNamedThread(id, owner), id, owner, filter);
  }

  private async upToDate(found: ThreadRow | null, id: string, owner: Owner, filter?: MetadataFilter): Promise<ThreadRow> {
    if (!found || !metadataContains(found.metadata, filter)) throw notFound("Thread", id);
    let thread = found;
    const { threadId } = thread;
    const stale = thread.status === "busy" ? (await this.recover()).includes(threadId) : (thread.mirrorBehind ?? (await this.conversations.staleThreads([threadId])).length > 0);
    if (stale) {
      // Deleted meanwhile, the thread is gone: its mirror rows refer to a thread that no longer exists.
      const gone = (err: { code?: string }) => {
        throw err.code === "23503" ? notFound("Thread", id) : err;
      };
      if (thread.status !== "busy") await this.recorder.project(thread.graphId, threadId, thread.status).catch(gone);
      const again = await this.conversations.findThread(threadId, owner);
      if (!again) throw notFound("Thread", id);
      thread = again;
    }
    return thread;
  }

  /**
   * Appends messages to the owner's thread, checkpoint state and mirror, without running the model;
   * returns their ids. The thread's run slot is held while they are written (see `appendMessages`).
   */
  async appendMessages(threadId: string, owner: Owner, messages: NewMessage[]): Promise<string[]> {
    if (!this.accepting) throw shuttingDown();
    const appending = this.findThread(threadId, owner).then(async (thread) => appendMessages(this.deps.pool, await this.deps.graphs.forThread(thread.graphId, threadId), threadId, messages));
    this.appending.add(appending);
    try {
      return await appending;
    } finally {
      this.appending.delete(appending);
    }
  }

  /**
   * Deals with runs of dead processes: queued Agent Server runs go back to the queue, others are
   * marked failed and their threads' mirrors rebuilt; returns the threads of the failed ones.
   */
  async recover(): Promise<string[]> {
    const orphaned = await this.runs.reapOrphaned(this.deps.maxAttempts ?? 1);
    const lost = await this.repairLost();
    const requeued = orphaned.requeued + lost.requeued;
    if (requeued > 0) {
      this.deps.logger.warn({ requeued }, "queued again runs whose process had died or lost them");
      this.deps.onQueueReady?.(null);
    }
    const threadIds = [...new Set([...orphaned.failedThreads, ...lost.failedThreads])];
    for (const threadId of threadIds) {
      const { rows } = await this.deps.pool.query("SELECT graph_id FROM threads WHERE thread_id = $1", [threadId]);
      if (rows[0]) await this.recorder.project(rows[0].graph_id, threadId, "error");
      this.deps.logger.warn({ threadId }, lost.failedThreads.includes(threadId) ? "recovered a thread whose run this process had lost" : "recovered a thread whose run's process had died");
    }
    return threadIds;
  }

  /**
   * This process's own runs that the database says are running but that run here no more (their
   * end could not be recorded, or they never started): a live process is never reaped by others, so
   * it repairs its own. Runs of other live processes are theirs to judge.
   */
  private async repairLost(): Promise<{ failedThreads: string[]; requeued: number }> {
    const none = { failedThreads: [], requeued: 0 };
    // Only while the lease is held: a process taking its lease again may not judge anything yet.
    const lease = this.deps.lease.current();
    if (!lease) return none;
    const mine = await this.runs.runningOn(lease.workerId);
    // Judged now, after the read: a claim still in flight may have claimed one of them already.
    if (this.creating.size > 0 || this.claimsInFlight > 0) return none;
    const lost = mine.filter((id) => !this.active.has(id) && !this.held.has(id));
    if (lost.length === 0) return none;
    return this.runs.repairLost(lost, lease.workerId, this.deps.maxAttempts ?? 1);
  }

  /**
   * Deletes the mirror rows first, under a lock on the thread's row that a run's claim would wait
   * for; once they are gone no run can start on the thread, and its checkpoints go next.
   */
  async deleteThread(threadId: string, owner: Owner, shownId = threadId): Promise<void> {
    await this.findThread(threadId, owner);
    await inTransaction(this.deps.pool, async (client) => {
      const { rows } = await client.query("SELECT status FROM threads WHERE thread_id = $1 FOR UPDATE", [threadId]);
      if (rows[0]?.status === "busy") throw new AppError("conflict", `Thread ${shownId} has a run in progress; cancel it before deleting the thread.`);
      await new ConversationRepository(client).deleteThread(threadId, owner);
    });
    await this.deps.checkpointer.deleteThread(threadId);
  }

  /**
   * A graph id runs that graph's defaults; a UUID is one of the tenant's stored assistants, read now,
   * so a thread created with it runs its latest version. A thread whose assistant was deleted says so
   * rather than quietly falling back to other settings.
   */
  private async resolveAssistant(request: ChatRunRequest, thread: ThreadRow | null): Promise<ResolvedGraph> {
    const id = request.assistantId ?? thread?.assistantId;
    if (!id || !UUID.test(id)) return this.deps.graphs.resolve(id);
    const assistant = await this.assistants.find(request.owner.tenantId, id);
    if (assistant) return this.deps.graphs.resolveStored(assistant);
    if (request.assistantId) throw noAssistant(id);
    throw new AppError("conflict", `Thread ${publicThreadId(thread!)} was created with assistant ${id}, which no longer exists; send assistant_id to continue it with another assistant.`, { assistant_id: id });
  }

  private async requireCheckpoint(threadId: string | undefined, checkpointId: string): Promise<void> {
    if (!threadId) {
      throw new AppError("invalid_request", "checkpoint_id needs the thread_id it belongs to.", { fields: [{ name: "checkpoint_id", reason: "requires thread_id" }] });
    }
    const tuple = await this.deps.checkpointer.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: checkpointId } });
    if (!tuple) throw await missingCheckpoint(this.deps.pool, threadId, checkpointId);
  }

  /** Stops taking runs, lets running ones finish within the grace period, then stops and saves the rest. */
  async shutdown(graceMs: number): Promise<void> {
    this.accepting = false;
    // A run claimed meanwhile is registered by now; its caller starts it before the next macrotask.
    await Promise.allSettled([...this.creating, ...this.appending]);
    await new Promise((resolve) => setImmediate(resolve));
    const all = () => Promise.all([...this.active.values()].map((e) => e.done));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([all(), grace]);
    clearTimeout(timer);
    for (const { run } of this.active.values()) run.stop("shutdown");
    // What still waits for an unreachable database is given up: the next process repairs those runs.
    this.giveUp.abort();
    await all();
    await Promise.all(this.closing);
  }

  private async execute(run: ActiveRun, hooks: RunHooks): Promise<void> {
    if (!this.native.delete(run.runId)) return this.executeRun(run, hooks);
    const recording = await this.deps.nativeEvents.record(run);
    try {
      await this.executeRun(run, { ...hooks, beforeRecord: nativeBeforeRecord(recording, hooks) });
    } finally {
      // The run has ended when its client has heard so; its closing event is saved after, and shutdown waits for that.
      const closing: Promise<void> = recording.close().finally(() => this.closing.delete(closing));
      this.closing.add(closing);
    }
  }

  private async executeRun(run: ActiveRun, hooks: RunHooks): Promise<void> {
    const { threadId, runId } = run.input;
    // Native clients get their own id for the thread back; Agent Server encoders do not read these two events.
    const shownId = run.input.clientThreadId ?? threadId;
    run.emit({ type: "start", thread_id: shownId, run_id: runId });
    const { tenantId } = run.input;
    const providers = this.deps.providers;
    // The graph finds its tenant's providers through the run's async context, never through its config.
    const result = await (providers && tenantId ? withRunProviders({ tenantId, models: providers }, () => run.execute()) : run.execute());
    this.deps.metrics?.runEnded({
      graphId: run.input.graphId ?? "unknown", status: run.retriesAfter(result.stopReason) ? "requeued" : result.status,
      ttftMs: result.ttftMs, latencyMs: result.latencyMs, usage: run.usage,
    });
    // Without the database, the client hears at once; the run's work is saved once the database is back.
    const lostDatabase = result.stopReason === "database_unavailable";
    if (lostDatabase) run.emit({ type: "error", code: result.error!.code, message: result.error!.message });
    const end = await this.record(run, result, hooks);
    if (end === "requeued") return;
    // Reaped (this worker's lease expired): whoever took the run back recorded its end.
    const lost = end === "lost";
    const checkpointId = lost ? null : end.checkpointId;
    run.logger.info({ status: result.status, usage: run.usage, latencyMs: result.latencyMs, ttftMs: result.ttftMs, error: result.error?.code }, "run finished");
    if (lostDatabase) return;
    const error = result.error ?? (lost ? stopOutcome("lease_lost").error : undefined);
    if (error) {
      run.emit({ type: "error", code: error.code, message: error.message });
    } else {
      run.emit({
        type: "end", thread_id: shownId, run_id: runId, checkpoint_id: checkpointId, status: result.status,
        usage: run.usage, latency_ms: result.latencyMs, ttft_ms: result.ttftMs,
      });
    }
  }

  /**
   * Records the run's end: the mirror projected from its checkpoints with its outcome (or its
   * removal, rolled back), retried with backoff for as long as the database does not take it, so a
   * run is never left `running` with its thread `busy`. An error that a retry would not cure ends
   * the run without its mirror (the next read of the thread rebuilds that).
   */
  private async record(run: ActiveRun, result: RunResult, hooks: RunHooks): Promise<RunEnd | "requeued" | "lost"> {
    const { runId, threadId } = run.input;
    const retrying = { retryable: isTransientDatabaseError, signal: this.giveUp.signal, baseDelayMs: 200, maxDelayMs: 2_000 };
    let end: RunEnd = { checkpointId: null, values: null };
    try {
      await keepTrying(async () => hooks.beforeRecord?.(result), {
        ...retrying, onRetry: (err) => run.logger.warn({ err: describeDatabaseError(err) }, "could not save the run's events; retrying"),
      });
      // Recorded from the run's last checkpoint: a stopped graph's writes may still be landing (once
      // the database is back, when it was what stopped the run; then the reply so far is saved too).
      await this.deps.checkpointer.writesDone(threadId);
      if (result.stopReason === "database_unavailable") await run.savePartial("error");
      if (run.retriesAfter(result.stopReason)) {
        // Shutdown: another process takes the run from the queue and continues it.
        await this.runs.requeue(runId, run.input.claim);
        run.logger.info("run queued again for another process (shutdown)");
        return "requeued";
      }
      end = await keepTrying(() => (result.stopReason === "rollback" ? this.recorder.rollback(run) : this.recorder.finish(run, result)), {
        ...retrying, onRetry: (err) => run.logger.warn({ err: describeDatabaseError(err) }, "could not record the end of the run; retrying until the database takes it"),
      });
    } catch (err) {
      if (err instanceof ClaimLostError) {
        run.logger.warn("the run lost its claim: its end was recorded by the process that reaped it");
        return "lost";
      }
      this.deps.logger.error({ err, runId, threadId }, "could not record the end of the run");
      // The checkpoint holds the run's work and the next read of the thread repairs the mirror,
      // but the run must end and its thread's slot must not stay taken.
      const error = { code: "internal", message: String(err) };
      await keepTrying(() => this.runs.endUnrecorded(runId, { status: "error", usage: run.usage, ttftMs: result.ttftMs, latencyMs: result.latencyMs, error }), retrying)
        .then(({ pending }) => pending && this.deps.onQueueReady?.(threadId))
        .catch((again) => this.deps.logger.error({ err: again, runId, threadId }, "gave up recording the end of the run; upkeep repairs it"));
      return end;
    }
    try {
      await hooks.afterRecord?.(result, end);
    } catch (err) {
      run.logger.warn({ err }, "could not finish up after the run");
    }
    return end;
  }
}

/**
 * An interrupted thread waits for a decision: a new message at its head would leave the paused tool
 * call unanswered, so only `resume` continues it (a branch from an earlier checkpoint may still
 * leave it). And only an interrupted thread has anything to resume.
 */
function requireResumeFits(request: ChatRunRequest, thread: ThreadRow | null): void {
  if (request.resume !== undefined) {
    if (!thread) throw new AppError("invalid_request", "resume needs the thread_id of the interrupted thread.", { fields: [{ name: "thread_id", reason: "is required with resume" }] });
    if (thread.status !== "interrupted") {
      throw new AppError("conflict", `Thread ${publicThreadId(thread)} is not waiting for a decision (its status is ${thread.status}): there is nothing to resume.`, { thread_status: thread.status });
    }
  } else if (thread?.status === "interrupted" && request.message && (!request.checkpointId || request.checkpointId === thread.headCheckpointId)) {
    throw new AppError(
      "conflict",
      `Thread ${publicThreadId(thread)} is interrupted: it waits for your answer before it takes another message. ` +
        `For tool calls waiting for approval, send {"thread_id": "${publicThreadId(thread)}", "resume": {"decisions": [{"type": "approve"}]}}, one decision per call: ` +
        `"approve" runs it, {"type": "reject", "message": "…"} refuses it, {"type": "edit", "edited_action": {"name": "…", "args": {…}}} runs it with other arguments.`,
      { thread_status: thread.status },
    );
  }
}

/** A native run's events are all written before its end is recorded (but for its closing event). */
function nativeBeforeRecord(recording: NativeRecording, hooks: RunHooks): RunHooks["beforeRecord"] {
  return async (result) => {
    await hooks.beforeRecord?.(result);
    await recording.flush();
  };
}

/** How long a claim waits for a lease being taken again before the request is answered 503. */
const LEASE_WAIT_MS = 3_000;
/** How long a chat request waits for a place held only by claims in flight, and how often it looks. */
const PLACE_WAIT_MS = 1_000;
const PLACE_POLL_MS = 20;

const threadBusy = (shownId: string, runningRunId: string | null) =>
  new AppError("conflict", `Thread ${shownId} already has a run in progress (${runningRunId}); wait for it to end or cancel it.`, { running_run_id: runningRunId });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a chat client refused for load is told to wait before retrying, in seconds. */
const OVERLOAD_RETRY_AFTER_S = 1;

const shuttingDown = () => new AppError("unavailable", "The service is shutting down; retry on another instance.");
