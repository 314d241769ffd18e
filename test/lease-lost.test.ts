import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { expectMirrorMatchesCheckpoint, runRows, summary } from "./helpers/checkpoint-state.js";
import { chat, SseReader } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

// The process cannot renew its lease (here its row is locked, as a database it cannot reach would
// leave it): after LEASE_TTL_MS / 2 it stops its own runs, which save their reply so far and end
// `worker_lost` before any other process may reap them; then it takes its lease again.
describe("a worker lease that cannot be renewed", () => {
  let t: TestService;
  const worker = async () => (await t.db.pool.query("SELECT worker_id, epoch::int, first_live_epoch::int FROM workers")).rows[0];

  beforeAll(async () => {
    // The model stalls after three words: only the lease's loss ends this run.
    t = await startTestService({ script: { text: "one two three four five", stallAfterTokens: 3 }, env: { LEASE_TTL_MS: "2000" } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("stops the process's runs at TTL / 2, keeping the partial reply, then takes the lease again", async () => {
    const response = await fetch(`${t.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "hello" }) });
    const threadId = response.headers.get("x-thread-id")!;
    const reader = new SseReader(response);
    let tokens = 0;
    for (let e = await reader.next(); e && !(e.event === "token" && ++tokens === 3); e = await reader.next());
    const before = await worker();
    const blocker = new pg.Client({ connectionString: t.db.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM workers FOR UPDATE");
      for (let e = await reader.next(); e; e = await reader.next());
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    const last = reader.events.at(-1)!;
    expect([last.event, last.data.code]).toEqual(["error", "worker_lost"]);
    // Recorded by the run itself, once, while it still held its claim.
    expect((await runRows(t.db.pool, threadId)).map((r) => [r.status, r.error?.code])).toEqual([["error", "worker_lost"]]);
    expect((await expectMirrorMatchesCheckpoint(t.db.pool, threadId)).map(summary)).toEqual([
      ["user", "hello", "complete"],
      ["assistant", "one two three ", "partial"],
    ]);

    // Back under a new epoch, having given up the runs of the old one; it runs again.
    await vi.waitFor(async () => expect((await worker()).epoch).toBeGreaterThan(before.epoch), { timeout: 10_000 });
    const after = await worker();
    expect(after).toMatchObject({ worker_id: before.worker_id, first_live_epoch: after.epoch });
    t.mock.script({ text: "back again" });
    const next = await chat(t.url, { message: "still there?", thread_id: threadId });
    expect(next.events.at(-1)!.data.status).toBe("success");
  });
});
