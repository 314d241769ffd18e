import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { RunRepository } from "./run-repository.js";

describe("RunRepository.claim", () => {
  const base = (threadId: string) => ({ runId: randomUUID(), threadId, tenantId: "t", graphId: "chat", assistantId: "chat", lease: { workerId: 1, epoch: 1 }, metadata: {} });

  // One running run per thread, enforced by the database; a resume claims only a thread still waiting.
  it("takes the slot once, and for a resume only while the thread is interrupted", async () => {
    const db = await createTestDatabase();
    const runs = new RunRepository(db.pool);
    const threadId = randomUUID();
    const first = base(threadId);
    // The claim answers with the run's record as a read of it gives it (the Agent Server API answers with it).
    const claimed = await runs.claim({ ...first, newThread: { userId: "u", metadata: {} } });
    expect(claimed).toEqual({ ok: true, record: await runs.find(first.runId) });
    expect(claimed).toMatchObject({ record: { runId: first.runId, threadId, status: "running", workerId: 1, leaseEpoch: 1 } });
    expect(await runs.claim(base(threadId))).toEqual({ ok: false, runningRunId: first.runId });

    await db.pool.query("UPDATE runs SET status = 'success' WHERE run_id = $1", [first.runId]);
    await db.pool.query("UPDATE threads SET status = 'idle' WHERE thread_id = $1", [threadId]);
    // Another resume already took the decision and finished: nothing to claim.
    expect(await runs.claim({ ...base(threadId), requireStatus: "interrupted" })).toEqual({ ok: false, runningRunId: null });
    expect((await db.pool.query("SELECT count(*)::int AS n FROM runs WHERE thread_id = $1", [threadId])).rows[0].n).toBe(1);

    await db.pool.query("UPDATE threads SET status = 'interrupted' WHERE thread_id = $1", [threadId]);
    expect(await runs.claim({ ...base(threadId), requireStatus: "interrupted" })).toMatchObject({ ok: true });
    expect((await db.pool.query("SELECT status FROM threads WHERE thread_id = $1", [threadId])).rows[0].status).toBe("busy");
  });
});
