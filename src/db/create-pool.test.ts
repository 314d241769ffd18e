import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { DatabaseOutage } from "../../test/helpers/database-outage.js";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { createPool } from "./create-pool.js";

describe("createPool when the database goes away", () => {
  // pg emits a connection's loss as an `error` event; the pool listens only on idle clients, so a
  // checked-out one (a transaction waiting on other work) used to end the process.
  it("survives a checked-out client's connection dropping, and logs the outage once each way", async () => {
    const db = await createTestDatabase();
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: "info" }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    const pool = db.track(createPool(db.url, { max: 3, logger }));
    const outage = new DatabaseOutage(db.name, []);
    const idle = await Promise.all([pool.connect(), pool.connect()]);
    for (const c of idle) c.release();
    const held = await pool.connect();
    try {
      const ended = new Promise((resolve) => held.once("end", resolve));
      await outage.begin();
      await ended;
      // The idle connections were ended too; the pool drops each once its socket says so, which can
      // come after the held one's (a query given one of them first would fail on it instead).
      await vi.waitFor(() => expect(pool.idleCount).toBe(0), { timeout: 10_000, interval: 20 });
      // Refused while it lasts, as many times as anyone tries.
      for (let i = 0; i < 3; i++) await expect(pool.query("SELECT 1")).rejects.toThrow(/not currently accepting connections/);
    } finally {
      held.release(true);
      await outage.end();
    }
    expect((await pool.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, "database unreachable; reconnecting with backoff"],
      [30, "database reachable again"],
    ]);
  });
});

describe("createPool's connections", () => {
  // A checkpoint read's estimated cost passes jit_above_cost (its set-returning functions are guessed
  // at 100 rows each): with JIT on, PostgreSQL compiled for ~100 ms a statement that runs in 1 ms.
  it("run without JIT, from their first statement", async () => {
    const db = await createTestDatabase();
    const pool = db.track(createPool(db.url, { max: 2 }));
    const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
    try {
      for (const client of [a, b]) expect((await client.query("SHOW jit")).rows).toEqual([{ jit: "off" }]);
    } finally {
      a.release(), b.release();
    }
  });
});
