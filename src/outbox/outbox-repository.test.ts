import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { OutboxRepository } from "./outbox-repository.js";

describe("OutboxRepository", () => {
  let db: TestDatabase;
  let outbox: OutboxRepository;
  const newThread = async (tenantId = "acme") => {
    const threadId = randomUUID();
    await db.pool.query("INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id) VALUES ($1, $2, 'u', 'chat', 'chat')", [threadId, tenantId]);
    return threadId;
  };
  const email = (threadId: string, toolCallId = "call_1") => ({ threadId, tenantId: "acme", toolCallId, to: "bob@example.com", subject: "Lunch", body: "At noon?" });

  beforeAll(async () => {
    db = await createTestDatabase();
    outbox = new OutboxRepository(db.pool);
  });

  it("records an e-mail and lists a thread's e-mails oldest first, for its tenant only", async () => {
    const threadId = await newThread();
    const first = await outbox.record(email(threadId));
    const second = await outbox.record({ ...email(threadId, "call_2"), to: "carol@example.com" });
    expect(first).toEqual({ ...email(threadId), id: expect.stringMatching(/^\d+$/), createdAt: expect.any(Date) });
    expect((await outbox.listForThread(threadId, "acme")).map((e) => [e.id, e.to])).toEqual([[first.id, "bob@example.com"], [second.id, "carol@example.com"]]);
    expect(await outbox.listForThread(threadId, "globex")).toEqual([]);
  });

  // A tool node that runs again (a retried step) must not send the same e-mail twice.
  it("records one e-mail per tool call, returning the first record on a replay", async () => {
    const threadId = await newThread();
    const first = await outbox.record(email(threadId));
    const again = await outbox.record({ ...email(threadId), subject: "Changed" });
    expect(again).toEqual(first);
    expect(await outbox.listForThread(threadId, "acme")).toHaveLength(1);
  });

  it("goes with its thread", async () => {
    const threadId = await newThread();
    await outbox.record(email(threadId));
    await db.pool.query("DELETE FROM threads WHERE thread_id = $1", [threadId]);
    expect(await outbox.listForThread(threadId, "acme")).toEqual([]);
  });
});
