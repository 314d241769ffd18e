import express from "express";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { problemHandler } from "./problem.js";

// Real statements that PostgreSQL gives up on, thrown through a real Express app: a later try
// would get through, so the client is told to retry (503 + Retry-After), never a 500.
describe("problemHandler and the database's transient refusals", () => {
  let db: TestDatabase;
  let url: string;
  let close: () => void;
  const warnings: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query("CREATE TABLE pair (id int PRIMARY KEY); INSERT INTO pair VALUES (1), (2)");
    const app = express();
    app.get("/timeout", async () => {
      const client = await db.pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SET LOCAL statement_timeout = 20");
        await client.query("SELECT pg_sleep(1)");
      } finally {
        await client.query("ROLLBACK");
        client.release();
      }
    });
    // Two transactions locking the same two rows in opposite orders: PostgreSQL ends one of them.
    app.get("/deadlock", async () => {
      const [a, b] = [await db.pool.connect(), await db.pool.connect()];
      try {
        await Promise.all([a.query("BEGIN"), b.query("BEGIN")]);
        await a.query("SELECT 1 FROM pair WHERE id = 1 FOR UPDATE");
        await b.query("SELECT 1 FROM pair WHERE id = 2 FOR UPDATE");
        await Promise.all([a.query("SELECT 1 FROM pair WHERE id = 2 FOR UPDATE"), b.query("SELECT 1 FROM pair WHERE id = 1 FOR UPDATE")]);
      } finally {
        await Promise.allSettled([a.query("ROLLBACK"), b.query("ROLLBACK")]);
        a.release();
        b.release();
      }
    });
    app.get("/bug", async () => void (await db.pool.query("SELECT * FROM no_such_table")));
    // A pool whose one connection is taken: the next query waits its 100 ms, then gives up.
    app.get("/busy", async () => {
      const pool = db.track(new pg.Pool({ connectionString: db.url, max: 1, connectionTimeoutMillis: 100 }));
      const held = await pool.connect();
      try {
        await pool.query("SELECT 1");
      } finally {
        held.release();
      }
    });
    const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    app.use(problemHandler(logger));
    const server = app.listen(0);
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it.each(["timeout", "deadlock"])("a %s is a 503 with Retry-After, logged as a warning", async (path) => {
    warnings.length = 0;
    const res = await fetch(`${url}/${path}`);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.headers.get("retry-after")).toBe("2");
    expect((await res.json()).detail).toMatch(/retry shortly/);
    expect(warnings).toEqual(["request refused: the database gave up on a statement"]);
  });

  it("no connection free in time is a 503 that says the service is busy, not that the database is down", async () => {
    const res = await fetch(`${url}/busy`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect((await res.json()).detail).toBe("The service is busy: no database connection came free in time; retry shortly.");
  });

  it("a statement that is wrong stays a masked 500", async () => {
    const res = await fetch(`${url}/bug`);
    expect(res.status).toBe(500);
    expect(JSON.stringify(await res.json())).not.toContain("no_such_table");
  });
});
