import { emptyCheckpoint } from "@langchain/langgraph-checkpoint";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { CHECKPOINT_SCHEMA } from "./create-checkpointer.js";
import { ThreadloomSaver } from "./threadloom-saver.js";

describe("a run's writes on a busy pool", () => {
  // Every connection is in use for longer than the pool lets a caller wait: a checkpoint write of a
  // streaming run waits its turn instead of failing the run.
  it("waits past the pool's connection timeout for a free connection", async () => {
    const db = await createTestDatabase();
    const pool = db.track(new pg.Pool({ connectionString: db.url, max: 1, connectionTimeoutMillis: 10_000 }));
    const saver = new ThreadloomSaver(pool, CHECKPOINT_SCHEMA);
    const held = await pool.connect();
    // Short only once the one connection is made: pg-pool times the connecting with the same setting,
    // and a new connection took more than 100 ms on a loaded machine.
    pool.options.connectionTimeoutMillis = 100;
    const checkpoint = emptyCheckpoint();
    const put = saver.put({ configurable: { thread_id: "busy-pool", checkpoint_ns: "" } }, checkpoint, { source: "input", step: -1, parents: {} }, {});
    const settled = put.then(() => "written", (err: Error) => `failed: ${err.message}`);
    while (pool.waitingCount === 0) await new Promise((r) => setImmediate(r));
    // A caller queued after the write times out after it: once it has, the write's own wait has too.
    await expect(pool.connect()).rejects.toThrow("timeout exceeded when trying to connect");
    held.release();
    expect(await settled).toBe("written");
    const { rows } = await db.pool.query(`SELECT checkpoint_id FROM ${CHECKPOINT_SCHEMA}.checkpoints WHERE thread_id = 'busy-pool'`);
    expect(rows).toEqual([{ checkpoint_id: checkpoint.id }]);
  });
});
