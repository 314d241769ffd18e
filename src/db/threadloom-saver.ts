import type { RunnableConfig } from "@langchain/core/runnables";
import { type ChannelVersions, type Checkpoint, type CheckpointMetadata, type PendingWrite, WRITES_IDX_MAP } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import { queryWhenFree } from "./query-when-free.js";
import { saverSql } from "./threadloom-saver-sql.js";
import { YieldingSerializer } from "./yielding-serializer.js";

/**
 * LangGraph's PostgreSQL saver, writing each checkpoint and each batch of writes as one statement
 * instead of a transaction of one statement per row (BEGIN, an INSERT per blob, the checkpoint,
 * COMMIT). Same tables, same rows, same atomicity; reads are the stock saver's. Measured with
 * `npm run bench`: this is most of the SQL a turn sends.
 */
export class ThreadloomSaver extends PostgresSaver {
  private readonly sql: ReturnType<typeof saverSql>;
  /** Per thread, who waits for its next input checkpoint to be committed (a run about to acknowledge it). */
  private readonly inputWatchers = new Map<string, () => void>();

  constructor(
    private readonly db: pg.Pool,
    schema: string,
  ) {
    super(db, undefined, { schema });
    this.serde = new YieldingSerializer(this.serde);
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
    await queryWhenFree(this.db, this.sql.putCheckpoint(blobs.length), [
      thread_id, checkpoint_ns, checkpoint.id, checkpoint_id ?? null, this._dumpCheckpoint(checkpoint), dumpedMetadata,
      blobs.map((b) => b[2]), blobs.map((b) => b[3]), blobs.map((b) => b[4]), ...blobs.map((b) => (b[5] ? Buffer.from(b[5].buffer, b[5].byteOffset, b[5].byteLength) : null)),
    ]);
    if (checkpoint_ns === "" && metadata.source === "input") this.inputWatchers.get(thread_id)?.();
    return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } };
  }

  /**
   * Calls `committed` once the thread's next input checkpoint (the one LangGraph writes first, holding
   * the run's input) is committed. LangGraph writes it in the background ("async" durability) while
   * the graph goes on; a run waits for this before it acknowledges its input. Returns the unwatch.
   */
  watchInput(threadId: string, committed: () => void): () => void {
    const once = () => {
      unwatch();
      committed();
    };
    const unwatch = () => {
      if (this.inputWatchers.get(threadId) === once) this.inputWatchers.delete(threadId);
    };
    this.inputWatchers.set(threadId, once);
    return unwatch;
  }

  /** Copies the branch ending at `checkpointId` of one thread into a new, empty thread. */
  async copyBranch(fromThreadId: string, toThreadId: string, checkpointId: string): Promise<void> {
    await this.db.query(this.sql.copyBranch, [fromThreadId, toThreadId, checkpointId]);
  }

  /** Deletes the checkpoints (and their pending writes) that run `runId` wrote; returns their ids. */
  async deleteRunCheckpoints(threadId: string, runId: string): Promise<string[]> {
    const { rows } = await this.db.query(this.sql.deleteRunCheckpoints, [threadId, runId]);
    return rows.map((r) => r.checkpoint_id as string);
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
    const sql = writes.every((w) => w[0] in WRITES_IDX_MAP) ? this.sql.upsertWrites : this.sql.insertWrites;
    await queryWhenFree(this.db, sql, [
      thread_id, checkpoint_ns, checkpoint_id, taskId,
      rows.map((r) => r[4]), rows.map((r) => r[5]), rows.map((r) => r[6]), rows.map((r) => Buffer.from(r[7])),
    ]);
  }
}
