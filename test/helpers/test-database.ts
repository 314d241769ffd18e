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
  /** Registers another pool to be checked for leaked clients and closed when the file ends. */
  track(pool: pg.Pool): pg.Pool;
}

const cleanups: (() => Promise<void>)[] = [];

// Registered once per test file (modules are isolated per file), so databases made inside a test
// are dropped too.
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/**
 * A fresh database for this test file, cloned from the migrated template. When the file ends,
 * the test fails if any tracked pool still has a client checked out.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = inject("pgServerUrl");
  const template = inject("pgTemplate");
  const name = `${template}_${randomBytes(5).toString("hex")}`;
  await admin(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = withDatabase(serverUrl, name);
  const tracked: pg.Pool[] = [];
  const track = (p: pg.Pool) => (tracked.push(p), p);
  const pool = track(createPool(url, { max: 5 }));
  cleanups.push(async () => {
    for (const p of tracked) {
      if (p.ended) continue;
      expect(p.totalCount - p.idleCount, "a pool client was leaked (checked out, never released)").toBe(0);
      await p.end();
    }
    await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return { url, name, pool, track };
}
