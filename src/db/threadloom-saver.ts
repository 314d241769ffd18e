import type { RunnableConfig } from "@langchain/core/runnables";
import {
  type ChannelVersions, type Checkpoint, type CheckpointListOptions, type CheckpointMetadata, type CheckpointTuple, type PendingWrite, WRITES_IDX_MAP,
} from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import { CLAIM_CONFIG_KEY, claimFromConfig, refused, type RunClaim } from "../runs/run-claim.js";
import { checkpointMetadata } from "./checkpoint-metadata.js";
import { readableMessages } from "./readable-messages.js";
import { MESSAGE_REFS } from "./message-lists.js";
import { type FetchMessages, knownParams, MessageStore, StoredRefs, type ListRows } from "./message-store.js";
import { messageStoreSql } from "./message-store-sql.js";
import { InputWatchers } from "./input-watchers.js";
import { prepared, type Prepared } from "./prepared.js";
import { queryWhenFree } from "./query-when-free.js";
import { removeThreads } from "./remove-checkpoints.js";
import { retryWhenUnavailable, type UnavailablePolicy } from "./retry-when-unavailable.js";
import { bytes, fence } from "./statement-params.js";
import { saverSql } from "./threadloom-saver-sql.js";
import { WritesInFlight } from "./writes-in-flight.js";
import { YieldingSerializer } from "./yielding-serializer.js";

export type { UnavailablePolicy } from "./retry-when-unavailable.js";

/** Writes with more parameters (one per blob and per message past the fixed ones) are not named statements. */
const MAX_PREPARED_PARAMS = 40;

/**
 * LangGraph's PostgreSQL saver, writing each checkpoint and each batch of writes as one statement
 * instead of a transaction of one statement per row (BEGIN, an INSERT per blob, the checkpoint,
 * COMMIT). Same tables, same rows, same atomicity; reads are the stock saver's. Measured with
 * `npm run bench`: this is most of the SQL a turn sends.
 *
 * A write made by one of our runs (its claim in `configurable`, see run-claim) lands only while the
 * run holds its claim; a refused one throws `ClaimLostError` and stops the run. Writes without a
 * claim (LangGraph used directly, its conformance suite) are not fenced.
 *
 * A run's writes commit without waiting for the disk, but for the one that acknowledges its input
 * (an input checkpoint no run watches, else the first step's after it, see InputWatchers): the
 * run's end is recorded by a synchronous commit (the mirror's projection, or whoever reaps the run), and
 * PostgreSQL flushes its WAL in order, so that commit makes them durable. Only a crash of the
 * database server itself (not of this process) in the moment before the WAL writer flushes them
 * (at most three wal_writer_delay, 600 ms by default) loses them; the run is then retried from the
 * last step that reached the disk, so a step of that moment runs again, as one that finished just
 * before any crash but had not yet been written would. The user's message is acknowledged once the
 * checkpoint that has it in the thread's state is committed (watchInput): that one waits for the disk.
 */
export class ThreadloomSaver extends PostgresSaver {
  private readonly sql: ReturnType<typeof saverSql>;
  private readonly messageSql: ReturnType<typeof messageStoreSql>;
  private readonly messages: MessageStore;
  private readonly inputWatchers = new InputWatchers();

  /**
   * LangGraph writes a run's checkpoints in the background (durability "async") and looks at the
   * outcome only when the run ends: a write that failed meanwhile is an unhandled rejection, which
   * ends the process. So a write the database could not take is handed to this policy (the run
   * manager's: it stops the thread's run and keeps the write until the database is back), and so is
   * a running graph's read (it waits rather than fail a run that has just been acknowledged). By
   * default both fail at once, as they should outside a run (the request gets a 503).
   */
  whenUnavailable: UnavailablePolicy = () => null;
  private readonly writing = new WritesInFlight();

  constructor(
    private readonly db: pg.Pool,
    private readonly schema: string,
  ) {
    super(db, undefined, { schema });
    this.serde = new YieldingSerializer(this.serde);
    this.sql = saverSql(schema);
    this.messageSql = messageStoreSql(schema);
    this.messages = new MessageStore(this.serde);
  }

  /** LangGraph's tables, then the message store's beside them. */
  override async setup(): Promise<void> {
    await super.setup();
    await this.db.query(this.messageSql.setup);
  }

  /**
   * Unique, ordered channel versions. The stock saver counts 1, 2, 3…, so two branches grown from one
   * checkpoint reach the same version and, blobs being written `ON CONFLICT DO NOTHING`, the second
   * branch reads the first one's values (langgraphjs issue 1812). A random fraction below one makes
   * each version unique while `floor + 1` keeps the order. The type stays a number, so threads
   * written with the stock saver's integers go on without mixing numbers and strings, which
   * LangGraph would compare as text.
   */
  getNextVersion(current: number | undefined): number {
    const base = typeof current === "number" ? Math.floor(current) : 0;
    return base + 1 + Math.random() * 0.999_999;
  }

  put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    return this.writing.track(config.configurable?.thread_id, this.putCheckpoint(config, checkpoint, metadata, newVersions));
  }

  /**
   * Resolves once none of the thread's writes is in flight. A stopped graph's stream ends at once,
   * while its checkpoint writes go on (LangGraph chains them, each started when the one before has
   * landed): whatever writes the thread next, or reads it to record the run, waits for them.
   */
  writesDone(threadId: string): Promise<void> {
    return this.writing.done(threadId);
  }

  private async putCheckpoint(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (config.configurable === undefined) throw new Error(`Missing "configurable" field in "config" param`);
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable;
    // With the run that wrote it, as the Agent Server records it: a rollback removes a run's checkpoints by it.
    const stamped = checkpointMetadata(config, metadata);
    const dumpedCheckpoint = this._dumpCheckpoint(checkpoint);
    const dumpedMetadata = await this._dumpMetadata(stamped);
    const claim = claimFromConfig(config);
    const root = checkpoint_ns === "";
    // A list written as what changed since one this process wrote or read stands on it; should that
    // be gone (its thread deleted meanwhile), nothing was written and the lists are written whole.
    for (let whole = false; ; whole = true) {
      const dumped = await this.messages.dump(thread_id, checkpoint_ns, checkpoint.channel_values, newVersions, whole);
      const { blobs, messages, bases } = dumped;
      const statement = claim
        ? this.sql.putCheckpointFenced(blobs.length, messages.length, !(root && this.inputWatchers.durable(thread_id, metadata.source)))
        : this.sql.putCheckpoint(blobs.length, messages.length);
      const [row] = (await this.write(thread_id, statement, [
        thread_id, checkpoint_ns, checkpoint.id, checkpoint_id ?? null, dumpedCheckpoint, dumpedMetadata,
        blobs.map((b) => b[0]), blobs.map((b) => b[1]), blobs.map((b) => b[2]),
        messages.map((m) => m.id), messages.map((m) => m.hash), messages.map((m) => m.type),
        bases.map((b) => b[0]), bases.map((b) => b[1]), bases.map((b) => b[2]),
        ...fence(claim),
        ...blobs.map((b) => bytes(b[3])),
        ...messages.map((m) => bytes(m.bytes)),
      ])) as { based: boolean; held: boolean }[];
      if (claim && !row.held) refused(claim);
      if (row.based) {
        for (const plan of dumped.plans) plan.commit();
        break;
      }
      if (whole) throw new Error("A checkpoint without a base was refused for want of one");
    }
    if (root) this.inputWatchers.committed(thread_id, metadata.source);
    // The claim goes on with the config LangGraph writes the next pending writes with (updateState does).
    return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id, ...(claim && { [CLAIM_CONFIG_KEY]: claim }) } };
  }

  /**
   * Reads skip what cannot be a message (see readableMessages): a bad checkpoint must not make its
   * thread unreadable. A running graph's read (its config carries the run's abort signal) waits for
   * the database under `whenUnavailable`.
   */
  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const tuple = await retryWhenUnavailable(
      () => this.readTuple(config),
      () => {
        const until = config.signal ? this.whenUnavailable(config.configurable?.thread_id, "read") : null;
        return until && AbortSignal.any([until, config.signal!]);
      },
    );
    return tuple && readableMessages(tuple);
  }

  async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    const { filter, before, limit } = options ?? {};
    const [where, args] = this._searchWhere(config, filter, before);
    const { thread_id, checkpoint_ns } = config.configurable ?? {};
    const scope = thread_id && typeof checkpoint_ns === "string" ? { threadId: String(thread_id), ns: checkpoint_ns } : undefined;
    const tuples = await this.readTuples(where, args, limit === undefined ? "" : `LIMIT ${Number.parseInt(String(limit), 10)}`, { scope });
    for (const tuple of tuples) yield readableMessages(tuple);
  }

  private async readTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable ?? {};
    const read = { remember: true, scope: { threadId: thread_id, ns: checkpoint_ns }, named: true };
    const [tuple] = checkpoint_id
      ? await this.readTuples("WHERE thread_id = $1 AND checkpoint_ns = $2 AND checkpoint_id = $3", [thread_id, checkpoint_ns, checkpoint_id], "", read)
      : await this.readTuples("WHERE thread_id = $1 AND checkpoint_ns = $2", [thread_id, checkpoint_ns], "LIMIT 1", { ...read, head: true });
    return tuple;
  }

  /**
   * Checkpoints as the stock saver reads them, in one statement with the messages of their lists
   * (see MessageStore). Checkpoints older than LangGraph's format 4 get their pending sends as it does.
   * Options:
   *   - `remember`: the lists read are the ones the next write stands on (see MessageStore `assemble`);
   *   - `scope` (one thread's namespace): the messages earlier reads built are not sent again;
   *   - `head`: a read of the scope's newest checkpoint (see `knownParams`);
   *   - `named`: a read of fixed text on every turn's path (a run's first read, before the model is
   *     asked), as a named statement planned once per connection (see prepared).
   */
  private async readTuples(where: string, args: unknown[], limit: string, options: { remember?: boolean; scope?: { threadId: string; ns: string }; head?: boolean; named?: boolean }): Promise<CheckpointTuple[]> {
    const { remember = false, scope, head = false, named = false } = options;
    const known = scope && this.messages.known(scope.threadId, scope.ns);
    const text = this.messageSql.select(where, limit, args.length + 1);
    const values = [...args, ...knownParams(known, head)];
    const { rows } = await this.db.query(named ? { ...prepared(text), values } : { text, values });
    const legacy = rows.filter((row) => row.checkpoint.v < 4 && row.parent_checkpoint_id != null);
    if (legacy.length > 0) {
      const sends = await this.db.query(this.messageSql.pendingSends, [legacy[0].thread_id, legacy.map((row) => row.parent_checkpoint_id)]);
      for (const send of sends.rows) {
        for (const row of legacy.filter((r) => r.parent_checkpoint_id === send.checkpoint_id)) await this._migratePendingSends(send.pending_sends, row);
      }
    }
    const tuples: CheckpointTuple[] = await Promise.all(rows.map(async (row) => ({
      config: { configurable: { thread_id: row.thread_id, checkpoint_ns: row.checkpoint_ns, checkpoint_id: row.checkpoint_id } },
      checkpoint: await this._loadCheckpoint(row.checkpoint, row.channel_values),
      metadata: await this._loadMetadata(row.metadata),
      parentConfig: row.parent_checkpoint_id ? { configurable: { thread_id: row.thread_id, checkpoint_ns: row.checkpoint_ns, checkpoint_id: row.parent_checkpoint_id } } : undefined,
      pendingWrites: await this.loadWrites(row.pending_writes),
    })));
    const extra: ListRows = rows.find((row) => row.lists !== null || row.messages !== null) ?? { lists: null, messages: null };
    await this.messages.assemble(
      tuples.map((t) => ({
        threadId: t.config.configurable!.thread_id, ns: t.config.configurable!.checkpoint_ns, versions: t.checkpoint.channel_versions,
        channelValues: t.checkpoint.channel_values, writes: t.pendingWrites as [string, string, unknown][],
      })),
      extra,
      remember,
      known,
      this.fetchMessages,
    );
    return tuples;
  }

  private readonly fetchMessages: FetchMessages = async (threadId, ns, refs) => {
    const { rows } = await this.db.query(this.messageSql.messages, [threadId, ns, refs.map(([id]) => id), refs.map(([, hash]) => hash)]);
    return rows.map((row) => row.message);
  };

  /** Pending writes as the stock saver loads them, but a list of messages stored as references. */
  private loadWrites(writes: [Buffer, Buffer, Buffer, Buffer][] | null): Promise<[string, string, unknown][]> {
    return Promise.all((writes ?? []).map(async ([task, channel, type, blob]) => {
      const t = type.toString();
      return [task.toString(), channel.toString(), t === MESSAGE_REFS ? new StoredRefs(JSON.parse(blob.toString())) : await this.serde.loadsTyped(t, blob)] as [string, string, unknown];
    }));
  }

  /** The thread's checkpoints, pending writes, channel values and messages, in one statement. */
  override async deleteThread(threadId: string): Promise<void> {
    await removeThreads(this.db, this.schema, [threadId]);
    this.messages.forgetThread(threadId);
  }

  /**
   * Calls `applied` once the thread's next input is in the state of a committed checkpoint: not the
   * input checkpoint LangGraph writes first (it holds the input in `__start__` only) but the next one
   * (see InputWatchers). A run waits for this before it acknowledges its input. Returns the unwatch.
   */
  watchInput(threadId: string, applied: () => void): () => void {
    return this.inputWatchers.watch(threadId, applied);
  }

  /** Copies the branch ending at `checkpointId` of one thread into a new, empty thread. */
  async copyBranch(fromThreadId: string, toThreadId: string, checkpointId: string): Promise<void> {
    await this.db.query(this.sql.copyBranch, [fromThreadId, toThreadId, checkpointId]);
  }

  /**
   * Deletes the checkpoints (and their pending writes) that run `runId` wrote; returns their ids.
   * With the run's `claim`, only while it holds it (else `ClaimLostError`).
   */
  async deleteRunCheckpoints(threadId: string, runId: string, claim?: RunClaim): Promise<string[]> {
    const { rows } = await this.db.query(this.sql.deleteRunCheckpoints, [threadId, runId, claim?.workerId ?? null, claim?.leaseEpoch ?? null, runId]);
    if (claim && !rows[0].held) refused(claim);
    return rows[0].checkpoint_ids as string[];
  }

  /** Whether run `runId` wrote any checkpoint on the thread (a retried run continues from them). */
  async hasRunCheckpoints(threadId: string, runId: string): Promise<boolean> {
    const { rows } = await this.db.query(this.sql.hasRunCheckpoints, [threadId, runId]);
    return rows.length > 0;
  }

  putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    return this.writing.track(config.configurable?.thread_id, this.putPendingWrites(config, writes, taskId));
  }

  private async putPendingWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    if (writes.length === 0) return;
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable ?? {};
    const { blobs, messages } = await this.messages.dumpWrites(writes);
    // Special channels (errors, interrupts) take fixed slots and replace what was there.
    const special = writes.every((w) => w[0] in WRITES_IDX_MAP);
    const claim = claimFromConfig(config);
    const sql = claim ? (special ? this.sql.upsertWritesFenced : this.sql.insertWritesFenced) : special ? this.sql.upsertWrites : this.sql.insertWrites;
    const held = await this.write(thread_id, sql(messages.length, true), [
      thread_id, checkpoint_ns, checkpoint_id, taskId,
      writes.map(([channel], idx) => WRITES_IDX_MAP[channel] ?? idx), writes.map(([channel]) => channel), blobs.map((b) => b[0]), blobs.map((b) => bytes(b[1])),
      messages.map((m) => m.id), messages.map((m) => m.hash), messages.map((m) => m.type),
      ...fence(claim),
      ...messages.map((m) => bytes(m.bytes)),
    ]);
    if (claim && held.length === 0) refused(claim);
  }

  /**
   * One write statement (each is idempotent, so trying it again is safe), under `whenUnavailable`;
   * returns its rows (a fenced one returns none when the run no longer holds its claim).
   */
  private async write(threadId: string, sql: string, params: unknown[]): Promise<unknown[]> {
    const statement = this.preparedWrite(sql, params.length);
    // A busy pool (no connection free in time) is waited out whatever the policy: that is load, not an outage.
    return (await retryWhenUnavailable(() => queryWhenFree(this.db, statement, params), () => this.whenUnavailable(threadId, "write"))).rows;
  }

  /**
   * A write's statement as a named one (see prepared) when it has few parameters: its text depends on
   * how many blobs and messages it carries, and a turn's writes come in a few such shapes, each planned
   * once per connection instead of every time. One with many (a long list written whole) stays unnamed,
   * so that no connection keeps a statement of thousands of parameters.
   */
  private preparedWrite(sql: string, paramCount: number): string | Prepared {
    return paramCount > MAX_PREPARED_PARAMS ? sql : prepared(sql);
  }
}
