/**
 * The benchmark's PostgreSQL: an embedded server in a temp dir, durable (fsync on, PostgreSQL's
 * defaults) unless BENCH_FAST=1, or a fresh database on the server at BENCH_DATABASE_URL. Either
 * way it is removed afterwards. `fresh()` adds another database on the same server (the baseline
 * commit's service gets its own, so both see the same server).
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
  /** Another empty database on the same server, dropped with this one. */
  fresh(): Promise<string>;
  drop(): Promise<void>;
}

/** BENCH_FAST=1: the embedded server without fsync, as the tests run it; never what users run. */
export const FAST = process.env.BENCH_FAST === "1";
/** The label every heading of a fast run carries, so that no figure of it passes for a durable one. */
export const FAST_LABEL = "fsync off: not what users run";
/** " (fsync off: not what users run)" in a fast run, "" otherwise: for headings. */
export const fastTag = (): string => (FAST ? ` (${FAST_LABEL})` : "");

export async function openBenchDatabase(tempDir: string): Promise<BenchDatabase> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (serverUrl) return freshDatabase(serverUrl);
  const dataDir = path.join(tempDir, "pg");
  const child = spawnTs("embedded PostgreSQL", "test/bench/database-server.ts", [dataDir, ...(FAST ? ["fast"] : [])]);
  try {
    const { url, port, clusterDir } = await waitForLine(child, (line) => (line.startsWith("{") ? (JSON.parse(line) as { url: string; port: number; clusterDir: string }) : undefined), 120_000);
    const pid = Number.parseInt(readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0], 10);
    const durability = FAST ? `fsync, synchronous_commit and full_page_writes off (BENCH_FAST=1): ${FAST_LABEL}` : "durable: fsync on, PostgreSQL's defaults";
    return {
      url,
      description: `embedded PostgreSQL ${serverVersion(clusterDir)} on port ${port}, temp dir, ${durability}`,
      postmasterPid: Number.isInteger(pid) ? pid : null,
      fresh: () => createDatabase(url).then((d) => d.url),
      drop: () => child.stop(30_000),
    };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

async function freshDatabase(serverUrl: string): Promise<BenchDatabase> {
  const first = await createDatabase(serverUrl);
  const more: { drop(): Promise<void> }[] = [];
  const settings = await admin(serverUrl, "SELECT current_setting('server_version') AS v, current_setting('fsync') AS f, current_setting('synchronous_commit') AS s");
  const [v, f, s] = [settings.v, settings.f, settings.s];
  return {
    url: first.url,
    description: `database ${first.name} on BENCH_DATABASE_URL's server (PostgreSQL ${v}, fsync ${f}, synchronous_commit ${s}; its CPU is not measured)`,
    postmasterPid: null,
    fresh: async () => {
      const db = await createDatabase(serverUrl);
      more.push(db);
      return db.url;
    },
    drop: async () => {
      for (const db of [...more, first]) await db.drop();
    },
  };
}

/** A new database on the server at `serverUrl`, named at random. */
async function createDatabase(serverUrl: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `threadloom_bench_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: async () => void (await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

/** The major.minor version of the embedded cluster, from its PG_VERSION file. */
function serverVersion(clusterDir: string): string {
  try {
    return readFileSync(path.join(clusterDir, "PG_VERSION"), "utf8").trim();
  } catch {
    return "";
  }
}

async function admin(serverUrl: string, sql: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return ((await client.query(sql)).rows[0] ?? {}) as Record<string, string>;
  } finally {
    await client.end();
  }
}
