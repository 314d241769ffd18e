import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, expect, inject } from "vitest";
import { createPool } from "../../src/db/create-pool.js";
import { admin, withDatabase } from "./global-setup.js";

export interface TestDatabase {
  url: string;
  name: string;
  /** A pool for the test's own queries; checked for leaked clients when the file ends. */
  pool: pg.Pool;
}

/**
 * A fresh database for this test file, cloned from the migrated template. When the file ends,
 * the test fails if any pool made through `track` still has a client checked out.
 */
export async function createTestDatabase(): Promise<TestDatabase & { track(pool: pg.Pool): pg.Pool }> {
  const serverUrl = inject("pgServerUrl");
  const name = `threadloom_t_${randomBytes(6).toString("hex")}`;
  await admin(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${inject("pgTemplate")}`);
  const url = withDatabase(serverUrl, name);
  const tracked: pg.Pool[] = [];
  const track = (p: pg.Pool) => (tracked.push(p), p);
  const pool = track(createPool(url, { max: 5 }));
  afterAll(async () => {
    for (const p of tracked) {
      if (p.ended) continue;
      expect(p.totalCount - p.idleCount, "a pool client was leaked (checked out, never released)").toBe(0);
      await p.end();
    }
    await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return { url, name, pool, track };
}
