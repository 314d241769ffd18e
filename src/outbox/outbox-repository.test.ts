import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { ClaimLostError, type RunClaim } from "../runs/run-claim.js";
import { OutboxRepository } from "./outbox-repository.js";

describe("OutboxRepository", () => {
  let db: TestDatabase;
  let outbox: OutboxRepository;
  // Each thread with a run executing on it, whose claim records go through.
  const claims = new Map<string, RunClaim>();
  const newThread = async (tenantId = "acme") => {
    const threadId = randomUUID();
    await db.pool.query("INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id) VALUES ($1, $2, 'u', 'chat', 'chat')", [threadId, tenantId]);
    const claim = { runId: randomUUID(), workerId: 7, leaseEpoch: 3 };
    await db.pool.query(
      "INSERT INTO runs (run_id, thread_id, tenant_id, graph_id, assistant_id, status, worker_id, lease_epoch) VALUES ($1, $2, $3, 'chat', 'chat', 'running', $4, $5)",
      [claim.runId, threadId, tenantId, claim.workerId, claim.leaseEpoch],
    );
    claims.set(threadId, claim);
    return threadId;
  };
  const record = (e: ReturnType<typeof email>) => outbox.record(e, claims.get(e.threadId)!);
  const email = (threadId: string, toolCallId = "call_1") => ({ threadId, tenantId: "acme", toolCallId, to: "bob@example.com", subject: "Lunch", body: "At noon?" });

  beforeAll(async () => {
    db = await createTestDatabase();
    outbox = new OutboxRepository(db.pool);
  });

  it("records an e-mail and lists a thread's e-mails oldest first, for its tenant only", async () => {
    const threadId = await newThread();
    const first = await record(email(threadId));
    const second = await record({ ...email(threadId, "call_2"), to: "carol@example.com" });
    expect(first).toEqual({ ...email(threadId), id: expect.stringMatching(/^\d+$/), createdAt: expect.any(Date) });
    expect((await outbox.listForThread(threadId, "acme")).map((e) => [e.id, e.to])).toEqual([[first.id, "bob@example.com"], [second.id, "carol@example.com"]]);
    expect(await outbox.listForThread(threadId, "globex")).toEqual([]);
  });

  // A tool node that runs again (a retried step) must not send the same e-mail twice.
  it("records one e-mail per tool call, returning the first record on a replay", async () => {
    const threadId = await newThread();
    const first = await record(email(threadId));
    const again = await record({ ...email(threadId), subject: "Changed" });
    expect(again).toEqual(first);
    expect(await outbox.listForThread(threadId, "acme")).toHaveLength(1);
  });

  // An executor whose run was taken back (its worker's lease expired) sends nothing, even once.
  it("records nothing for a run that no longer holds its claim", async () => {
    const threadId = await newThread();
    const claim = claims.get(threadId)!;
    await expect(outbox.record(email(threadId), { ...claim, leaseEpoch: claim.leaseEpoch - 1 })).rejects.toThrow(ClaimLostError);
    await db.pool.query("UPDATE runs SET status = 'error' WHERE run_id = $1", [claim.runId]);
    await expect(outbox.record(email(threadId), claim)).rejects.toThrow(ClaimLostError);
    expect(await outbox.listForThread(threadId, "acme")).toEqual([]);
  });

  it("goes with its thread", async () => {
    const threadId = await newThread();
    await record(email(threadId));
    await db.pool.query("DELETE FROM threads WHERE thread_id = $1", [threadId]);
    expect(await outbox.listForThread(threadId, "acme")).toEqual([]);
  });
});
