import { randomUUID } from "node:crypto";
import { emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { ConversationRepository } from "../conversations/conversation-repository.js";
import { createCheckpointer } from "../db/create-checkpointer.js";
import type { ThreadloomSaver } from "../db/threadloom-saver.js";
import { Notifier } from "./notifier.js";
import { CLAIM_CONFIG_KEY, ClaimLostError, type RunClaim } from "./run-claim.js";
import { RunEventLog } from "./run-event-log.js";
import { RunRepository } from "./run-repository.js";

// Every write a run makes is conditional on its claim (worker, lease epoch): one made with a stale
// epoch, or after the run was reaped, changes nothing and tells the run it lost its claim.
describe("writes fenced by a run's claim", () => {
  let db: TestDatabase;
  let saver: ThreadloomSaver;
  let notifier: Notifier;
  let events: RunEventLog;
  let threadId: string;
  let claim: RunClaim;
  let stale: RunClaim;
  const logger = pino({ level: "silent" });
  const count = async (sql: string) => (await db.pool.query(sql, [threadId])).rows[0].n as number;
  const checkpoints = () => count("SELECT count(*)::int AS n FROM langgraph.checkpoints WHERE thread_id = $1");
  const writes = () => count("SELECT count(*)::int AS n FROM langgraph.checkpoint_writes WHERE thread_id = $1");
  const savedEvents = () => count("SELECT count(*)::int AS n FROM run_events e JOIN runs r USING (run_id) WHERE r.thread_id = $1");
  const config = (c: RunClaim) => ({ configurable: { thread_id: threadId, checkpoint_ns: "", [CLAIM_CONFIG_KEY]: c } });
  const put = (c: RunClaim) => saver.put(config(c), { ...emptyCheckpoint(), id: uuid6(-1) }, { source: "loop", step: 0, parents: {} }, {});
  const putWrites = (at: { configurable?: Record<string, unknown> }, c: RunClaim) =>
    saver.putWrites({ configurable: { ...at.configurable, [CLAIM_CONFIG_KEY]: c } }, [["messages", "hello"]], "task-1");
  const appendEvent = async (c: RunClaim) => {
    const writer = await events.open(c.runId, 1, c);
    writer.append("values", "{}");
    await writer.flush();
    writer.end();
  };
  const outcome = { status: "success" as const, usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 }, ttftMs: 5, latencyMs: 9 };
  const project = (c: RunClaim) =>
    new ConversationRepository(db.pool).project(threadId, [], null, "idle", { runId: c.runId, ...outcome, claim: c });

  beforeAll(async () => {
    db = await createTestDatabase();
    saver = createCheckpointer(db.pool);
    notifier = await Notifier.connect(db.url, logger);
    events = new RunEventLog(db.pool, notifier, logger, 60_000);
  });
  afterAll(async () => {
    await notifier.close();
  });

  // A thread with a run executing on it under worker 7, epoch 3.
  beforeEach(async () => {
    threadId = randomUUID();
    claim = { runId: randomUUID(), workerId: 7, leaseEpoch: 3, lost: vi.fn() };
    stale = { ...claim, leaseEpoch: 2, lost: vi.fn() };
    await db.pool.query("INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, status) VALUES ($1, 'acme', 'u', 'chat', 'chat', 'busy')", [threadId]);
    await db.pool.query(
      "INSERT INTO runs (run_id, thread_id, tenant_id, graph_id, assistant_id, status, worker_id, lease_epoch, started_at) VALUES ($1, $2, 'acme', 'chat', 'chat', 'running', 7, 3, now())",
      [claim.runId, threadId],
    );
  });

  it("a checkpoint is written under the run's claim, and refused with a stale epoch", async () => {
    await expect(put(stale)).rejects.toThrow(ClaimLostError);
    expect(stale.lost).toHaveBeenCalledOnce();
    expect(await checkpoints()).toBe(0);
    const at = await put(claim);
    // The claim goes on with the config LangGraph writes the step's pending writes with.
    expect(at.configurable?.[CLAIM_CONFIG_KEY]).toBe(claim);
    expect(await checkpoints()).toBe(1);
    expect(claim.lost).not.toHaveBeenCalled();
  });

  it("pending writes likewise; writing a batch again is no refusal", async () => {
    const at = await put(claim);
    await expect(putWrites(at, stale)).rejects.toThrow(ClaimLostError);
    expect(await writes()).toBe(0);
    await putWrites(at, claim);
    await putWrites(at, claim);
    expect(await writes()).toBe(1);
    expect(claim.lost).not.toHaveBeenCalled();
  });

  it("run events likewise", async () => {
    await appendEvent(stale);
    expect(stale.lost).toHaveBeenCalledOnce();
    expect(await savedEvents()).toBe(0);
    await appendEvent(claim);
    expect(await savedEvents()).toBe(1);
  });

  it("the run's end likewise, alone or with the mirror's projection", async () => {
    const runs = new RunRepository(db.pool);
    expect(await runs.finish(claim.runId, outcome, stale)).toBe(false);
    await expect(project(stale)).rejects.toThrow(ClaimLostError);
    expect((await runs.find(claim.runId))!.status).toBe("running");
    expect((await db.pool.query("SELECT status FROM threads WHERE thread_id = $1", [threadId])).rows[0].status).toBe("busy");
    await project(claim);
    expect((await runs.find(claim.runId))!.status).toBe("success");
    // Ended: its own claim no longer lets it write either.
    expect(await runs.finish(claim.runId, outcome, claim)).toBe(false);
  });

  // The worker's lease expired (it has no live row here): the run is reaped, and whatever its old
  // executor still sends is refused, its current epoch included.
  it("once the run was reaped, nothing of its executor's lands", async () => {
    const runs = new RunRepository(db.pool);
    expect((await runs.reapOrphaned(1)).failedThreads).toContain(threadId);
    await expect(put(claim)).rejects.toThrow(ClaimLostError);
    await appendEvent(claim);
    await expect(project(claim)).rejects.toThrow(ClaimLostError);
    expect(await runs.finish(claim.runId, outcome, claim)).toBe(false);
    expect(await checkpoints()).toBe(0);
    expect(await savedEvents()).toBe(0);
    expect(await runs.find(claim.runId)).toMatchObject({ status: "error", error: { code: "worker_lost" } });
  });
});
