import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { DatabaseOutage } from "../../test/helpers/database-outage.js";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { CHANNELS, Notifier } from "./notifier.js";

describe("Notifier when the database goes away", () => {
  // Its LISTEN connection cut and new ones refused for a while: it keeps trying (with backoff) and
  // says so once, says once that it is back, and hears notifications again.
  it("reconnects by itself, logging once when lost and once when back", async () => {
    const db = await createTestDatabase();
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: "info" }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    const notifier = await Notifier.connect(db.url, logger);
    const heard: string[] = [];
    notifier.on(CHANNELS.runQueued, (payload) => heard.push(payload));
    const outage = new DatabaseOutage(db.name, []);
    try {
      await outage.begin();
      await vi.waitFor(() => expect(lines.length).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
      // Long enough for several tries: each is refused, none is logged.
      await new Promise((r) => setTimeout(r, 2_500));
    } finally {
      await outage.end();
    }
    await vi.waitFor(async () => {
      await db.pool.query(`SELECT pg_notify('${CHANNELS.runQueued}', 'after')`);
      expect(heard).toContain("after");
    }, { timeout: 20_000, interval: 200 });
    await notifier.close();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, "notification connection unreachable; reconnecting with backoff"],
      [30, "notification connection reachable again"],
    ]);
  });
});
