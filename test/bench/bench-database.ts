/**
 * The benchmark's PostgreSQL: an embedded server in a temp dir (fsync off, like the tests), or a
 * fresh database on the server at BENCH_DATABASE_URL. Either way it is removed afterwards.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { spawnTs, waitForLine } from "./processes.js";

export interface BenchDatabase {
  url: string;
  /** What the table says about where the data lives. */
  description: string;
  /** The postmaster, when it is ours, so its CPU can be measured. */
  postmasterPid: number | null;
  drop(): Promise<void>;
}

export async function openBenchDatabase(tempDir: string): Promise<BenchDatabase> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (serverUrl) return freshDatabase(serverUrl);
  const dataDir = path.join(tempDir, "pg");
  const child = spawnTs("embedded PostgreSQL", "test/bench/database-server.ts", [dataDir]);
  try {
    const { url, port, clusterDir } = await waitForLine(child, (line) => (line.startsWith("{") ? (JSON.parse(line) as { url: string; port: number; clusterDir: string }) : undefined), 120_000);
    const pid = Number.parseInt(readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0], 10);
    return {
      url,
      description: `embedded PostgreSQL on port ${port} (fsync off, temp dir)`,
      postmasterPid: Number.isInteger(pid) ? pid : null,
      drop: () => child.stop(30_000),
    };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

async function freshDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `threadloom_bench_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    description: `database ${name} on BENCH_DATABASE_URL's server (its CPU is not measured)`,
    postmasterPid: null,
    drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
