import type { RunnableConfig } from "@langchain/core/runnables";
import {
  type ChannelVersions, type Checkpoint, type CheckpointListOptions, type CheckpointMetadata, type CheckpointTuple, type PendingWrite, WRITES_IDX_MAP,
} from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import { CLAIM_CONFIG_KEY, claimFromConfig, refused, type RunClaim } from "../runs/run-claim.js";
import { readableMessages } from "./readable-messages.js";
import { saverSql } from "./threadloom-saver-sql.js";

/**
 * LangGraph's PostgreSQL saver, writing each checkpoint and each batch of writes as one statement
 * instead of a transaction of one statement per row (BEGIN, an INSERT per blob, the checkpoint,
 * COMMIT). Same tables, same rows, same atomicity; reads are the stock saver's. Measured with
 * `npm run bench`: this is most of the SQL a turn sends.
 *
 * A write made by one of our runs (its claim in `configurable`, see run-claim) lands only while the
 * run holds its claim; a refused one throws `ClaimLostError` and stops the run. Writes without a
 * claim (LangGraph used directly, its conformance suite) are not fenced.
 */
export class ThreadloomSaver extends PostgresSaver {
  private readonly sql: ReturnType<typeof saverSql>;

  constructor(
    private readonly db: pg.Pool,
    schema: string,
  ) {
    super(db, undefined, { schema });
    this.sql = saverSql(schema);
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

  async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (config.configurable === undefined) throw new Error(`Missing "configurable" field in "config" param`);
    const { thread_id, checkpoint_ns = "", checkpoint_id, run_id } = config.configurable;
    // The run that wrote it, as the Agent Server records it: a rollback removes a run's checkpoints by it.
    const stamped = typeof run_id === "string" ? { ...metadata, run_id } : metadata;
    const [blobs, dumpedMetadata] = await Promise.all([
      this._dumpBlobs(thread_id, checkpoint_ns, checkpoint.channel_values, newVersions),
      this._dumpMetadata(stamped),
    ]);
    const claim = claimFromConfig(config);
    const { rows } = await this.db.query(claim ? this.sql.putCheckpointFenced : this.sql.putCheckpoint, [
      thread_id, checkpoint_ns, checkpoint.id, checkpoint_id ?? null, this._dumpCheckpoint(checkpoint), dumpedMetadata,
      blobs.map((b) => b[2]), blobs.map((b) => b[3]), blobs.map((b) => b[4]), blobs.map((b) => (b[5] ? Buffer.from(b[5]) : null)),
      ...fence(claim),
    ]);
    if (claim && rows.length === 0) refused(claim);
    // The claim goes on with the config LangGraph writes the next pending writes with (updateState does).
    return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id, ...(claim && { [CLAIM_CONFIG_KEY]: claim }) } };
  }

  // Reads skip what cannot be a message (see readableMessages): a bad checkpoint must not make its thread unreadable.
  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const tuple = await super.getTuple(config);
    return tuple && readableMessages(tuple);
  }

  async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    for await (const tuple of super.list(config, options)) yield readableMessages(tuple);
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

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    if (writes.length === 0) return;
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable ?? {};
    const rows = await this._dumpWrites(thread_id, checkpoint_ns, checkpoint_id, taskId, writes);
    // Special channels (errors, interrupts) take fixed slots and replace what was there.
    const special = writes.every((w) => w[0] in WRITES_IDX_MAP);
    const claim = claimFromConfig(config);
    const sql = claim ? (special ? this.sql.upsertWritesFenced : this.sql.insertWritesFenced) : special ? this.sql.upsertWrites : this.sql.insertWrites;
    const { rows: held } = await this.db.query(sql, [
      thread_id, checkpoint_ns, checkpoint_id, taskId,
      rows.map((r) => r[4]), rows.map((r) => r[5]), rows.map((r) => r[6]), rows.map((r) => Buffer.from(r[7])),
      ...fence(claim),
    ]);
    if (claim && held.length === 0) refused(claim);
  }
}

/** The fenced statements' last parameters: the run, its worker and its lease epoch. */
function fence(claim: RunClaim | undefined): unknown[] {
  return claim ? [claim.runId, claim.workerId, claim.leaseEpoch] : [];
}
