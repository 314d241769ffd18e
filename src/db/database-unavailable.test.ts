import pg from "pg";
import { describe, expect, it } from "vitest";
import { DatabaseOutage } from "../../test/helpers/database-outage.js";
import { freePort } from "../../test/helpers/service-process.js";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { createPool } from "./create-pool.js";
import { isDatabaseUnavailable, isTransientDatabaseError } from "./database-unavailable.js";

const failure = (p: Promise<unknown>) => p.then(() => expect.fail("expected a failure"), (err: unknown) => err);

// Real failures from a real server and driver, the way the service meets them.
describe("isDatabaseUnavailable", () => {
  it("says yes to a refused, cut or full connection, and no to a wrong statement or a model server's refusal", async () => {
    const db = await createTestDatabase();
    const refused = createPool(`postgres://postgres@127.0.0.1:${await freePort()}/x`);
    const pool = db.track(createPool(db.url, { max: 1 }));
    const outage = new DatabaseOutage(db.name, []);
    try {
      expect(isDatabaseUnavailable(await failure(refused.query("SELECT 1")))).toBe(true);

      // The pool's one connection is busy for longer than the pool waits for one (100 ms, from when
      // it is open: opening it took longer than that on a loaded server, in CI).
      const waiting = new pg.Pool({ connectionString: db.url, max: 1, connectionTimeoutMillis: 10_000 });
      const held = await waiting.connect();
      waiting.options.connectionTimeoutMillis = 100;
      expect(isDatabaseUnavailable(await failure(waiting.query("SELECT 1")))).toBe(true);
      held.release();
      await waiting.end();

      // A session cut mid-statement (57P01), then new ones refused (55000, "not currently accepting connections").
      const client = await pool.connect();
      const cut = failure(client.query("SELECT pg_sleep(5)"));
      await outage.begin();
      expect(isDatabaseUnavailable(await cut)).toBe(true);
      client.release(true);
      expect(isDatabaseUnavailable(await failure(pool.query("SELECT 1")))).toBe(true);
      await outage.end();

      const wrong = await failure(pool.query("SELEKT 1"));
      expect(isDatabaseUnavailable(wrong)).toBe(false);
      expect(isTransientDatabaseError(wrong)).toBe(false);
      const slow = await failure(pool.query("SET statement_timeout = 50; SELECT pg_sleep(1)"));
      expect(isDatabaseUnavailable(slow)).toBe(false);
      expect(isTransientDatabaseError(slow)).toBe(true);
      await pool.query("SET statement_timeout = 0");

      // A model server that refuses: its client wraps the socket's error, which names no database.
      const model = await failure(fetch(`http://127.0.0.1:${await freePort()}/v1/chat/completions`));
      expect(isDatabaseUnavailable(model)).toBe(false);
    } finally {
      await outage.end();
      await refused.end();
    }
  });
});
