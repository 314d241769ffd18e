import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { createCheckpointer } from "../../src/db/create-checkpointer.js";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { migrate } from "../../src/db/migrate.js";
import { browserSkipReason } from "../e2e/browser-skip.js";

declare module "vitest" {
  interface ProvidedContext {
    /** Server URL (any database name) and the migrated template each test file clones. */
    pgServerUrl: string;
    pgTemplate: string;
  }
}

/** One PostgreSQL per test run: TEST_DATABASE_URL when set, else an embedded server. */
export default async function setup(project: TestProject) {
  if (browserSkipReason) console.log(`browser tests (test/e2e) skipped: ${browserSkipReason}`);
  let stopServer = async () => {};
  let serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-test-pg-"));
    // Ours, so opened for the server's user when run as root (the cluster then stays in it).
    await chmod(dir, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: dir, fast: true });
    serverUrl = server.url;
    stopServer = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const template = `threadloom_t_${process.pid}_${Date.now().toString(36)}`;
  await admin(serverUrl, `CREATE DATABASE ${template}`);
  const pool = new pg.Pool({ connectionString: withDatabase(serverUrl, template), max: 2 });
  try {
    await migrate(pool, () => createCheckpointer(pool).setup());
  } finally {
    await pool.end();
  }
  project.provide("pgServerUrl", serverUrl);
  project.provide("pgTemplate", template);
  return async () => {
    // Test files drop their databases; a crashed file's are dropped here.
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    const { rows } = await client.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${template}_%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await client.end();
    await admin(serverUrl, `DROP DATABASE IF EXISTS ${template}`);
    await stopServer();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
