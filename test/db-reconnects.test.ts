import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DatabaseOutage } from "./helpers/database-outage.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

/** threadloom_db_reconnects_total by its `connection` label, as GET /metrics shows it. */
async function reconnects(t: TestService): Promise<Record<string, number>> {
  const res = await fetch(`${t.url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^threadloom_db_reconnects_total\{connection="(\w+)"\} (\S+)$/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}

describe("threadloom_db_reconnects_total", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { LEASE_TTL_MS: "4000", RUN_QUEUE_POLL_MS: "200" }, script: () => ({ text: "fine, thanks" }) });
  });
  afterAll(() => t.close());

  it("stays 0 for each connection while the database never went away", async () => {
    expect((await chat(t.url, { message: "hello" })).events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
    expect(await reconnects(t)).toEqual({ pool: 0, listener: 0, lease: 0 });
  });

  it("counts the pool, the notification listener and the worker lease once each is connected again after an outage", async () => {
    // Every session cut, the lease's too, and none let back in until the outage ends.
    const outage = new DatabaseOutage(t.db.name, []);
    await outage.begin();
    try {
      // The pool learns of the loss from its cut idle clients and from a request that cannot connect.
      expect((await fetch(`${t.url}/api/threads`)).status).toBe(503);
      expect(await reconnects(t)).toEqual({ pool: 0, listener: 0, lease: 0 });
    } finally {
      await outage.end();
    }
    await vi.waitFor(async () => {
      expect((await fetch(`${t.url}/api/threads`)).status).toBe(200);
      expect(await reconnects(t)).toEqual({ pool: 1, listener: 1, lease: 1 });
    }, { timeout: 20_000, interval: 200 });
    // And the service works on the connections it opened again.
    expect((await chat(t.url, { message: "still there?" })).events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
  }, 40_000);
});
