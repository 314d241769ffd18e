/**
 * What a turn asks of PostgreSQL, statement by statement (issue 15), on the native and the Agent
 * Server paths:
 *
 *   node --import tsx test/bench/pg-statements.ts [--native] [--agent]   (both by default)
 *
 * An embedded, durable PostgreSQL of its own with pg_stat_statements loaded, the service
 * (`src/main.ts`) and the bench's mock model in processes of their own. Per path: a warm-up, then
 * PG_STAT_USERS users each holding PG_STAT_THREADS threads of PG_STAT_TURNS turns (defaults 10, 2,
 * 20); then the statements by total time per turn (calls, ms, rows, shared blocks, WAL bytes),
 * and per turn: commits, WAL bytes and records, PostgreSQL's CPU (from /proc).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { appendFileSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client as SdkClient } from "@langchain/langgraph-sdk";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/db/embedded-postgres.js";
import { chatStream } from "./chat-stream-client.js";
import { spawnTs, treeCpuMs, waitForLine } from "./processes.js";
import { startServices } from "./services.js";

const USERS = Number(process.env.PG_STAT_USERS ?? 10);
const THREADS = Number(process.env.PG_STAT_THREADS ?? 2);
const TURNS = Number(process.env.PG_STAT_TURNS ?? 20);
const TOP = Number(process.env.PG_STAT_TOP ?? 25);
const args = process.argv.slice(2);
const paths = args.length ? args : ["--native", "--agent"];

const tempDir = await mkdtemp(path.join(os.tmpdir(), "pg-statements-"));
const dataDir = path.join(tempDir, "pg");
const cleanups: (() => Promise<void>)[] = [];
try {
  let db: EmbeddedDatabase = await startEmbeddedPostgres({ dataDir });
  await sql(db.url, "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
  await sql(db.url, "ALTER SYSTEM SET pg_stat_statements.track_utility = on");
  await db.stop();
  db = await startEmbeddedPostgres({ dataDir });
  cleanups.push(() => db.stop());
  await sql(db.url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  await sql(db.url, "CREATE DATABASE bench");
  const serviceUrl = db.url.replace(/\/postgres$/, "/bench");
  const postmaster = Number.parseInt(readFileSync(path.join(db.clusterDir, "postmaster.pid"), "utf8").split("\n")[0], 10);

  const model = spawnTs("mock model", "test/bench/mock-model-server.ts", ["32", "2"]);
  cleanups.unshift(() => model.stop());
  const { url: modelURL } = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line) as { url: string }) : undefined));
  const services = await startServices({
    db: { url: serviceUrl, description: "", postmasterPid: postmaster, fresh: async () => serviceUrl, drop: async () => {} },
    modelURL, tempDir, replicas: 1, poolMax: USERS + 10,
  });
  cleanups.unshift(() => services.stop());
  const base = services.urls[0];

  const nativeThread = async (turns: number) => {
    let threadId: string | undefined;
    for (let k = 1; k <= turns; k++) {
      const r = await chatStream(base, { message: `Say something. (turn ${k})`, ...(threadId ? { thread_id: threadId } : {}) });
      if (r.failure) throw new Error(`native turn ${k}: ${r.failure}`);
      threadId = r.threadId;
    }
  };
  const sdk = new SdkClient({ apiUrl: base });
  const agentThread = async (turns: number) => {
    const threadId = (await sdk.threads.create()).thread_id;
    for (let k = 1; k <= turns; k++) {
      const stream = sdk.runs.stream(threadId, "chat", {
        input: { messages: [{ role: "user", content: `Say something. (turn ${k})` }] },
        streamMode: ["values", "messages-tuple"],
      });
      for await (const { event, data } of stream) if (event === "error") throw new Error(`agent turn ${k}: ${JSON.stringify(data)}`);
    }
  };

  for (const which of paths) {
    const [name, thread] = which === "--agent" ? ["Agent Server runs.stream (values+messages-tuple)", agentThread] as const : ["native POST /api/chat", nativeThread] as const;
    await Promise.all(Array.from({ length: Math.min(USERS, 4) }, () => thread(3)));
    await new Promise((r) => setTimeout(r, 1500));
    await sql(db.url, "SELECT pg_stat_statements_reset()");
    await sql(db.url, "SELECT pg_stat_reset_shared('wal')");
    const before = await counters(serviceUrl);
    const cpu0 = treeCpuMs(postmaster);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: USERS }, async () => {
      for (let t = 0; t < THREADS; t++) await thread(TURNS);
    }));
    const wallMs = performance.now() - t0;
    // Let the run ends' last writes land before reading the figures.
    await new Promise((r) => setTimeout(r, 1500));
    const cpuMs = treeCpuMs(postmaster) - cpu0;
    const after = await counters(serviceUrl);
    const n = USERS * THREADS * TURNS;
    await report(db.url, name, n, wallMs, cpuMs, before, after);
  }
} finally {
  for (const c of cleanups) await c().catch(() => {});
  await rm(tempDir, { recursive: true, force: true });
}

async function sql<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

interface Counters { commits: number; rollbacks: number; walBytes: number; walRecords: number; walFpi: number; walFsyncs: number }

async function counters(url: string): Promise<Counters> {
  const [d] = await sql<{ c: string; r: string }>(url, "SELECT xact_commit AS c, xact_rollback AS r FROM pg_stat_database WHERE datname = current_database()");
  const [w] = await sql<{ b: string; r: string; f: string }>(url, "SELECT wal_bytes AS b, wal_records AS r, wal_fpi AS f FROM pg_stat_wal");
  // PostgreSQL 18 counts WAL fsyncs in pg_stat_io (a commit that waits for the disk is one, or shares one).
  const [io] = await sql<{ n: string }>(url, "SELECT COALESCE(sum(fsyncs), 0) AS n FROM pg_stat_io WHERE object = 'wal'");
  return { commits: Number(d.c), rollbacks: Number(d.r), walBytes: Number(w.b), walRecords: Number(w.r), walFpi: Number(w.f), walFsyncs: Number(io.n) };
}

async function report(url: string, name: string, n: number, wallMs: number, cpuMs: number, a: Counters, b: Counters): Promise<void> {
  const rows = await sql<Record<string, string>>(url, `
    SELECT calls, total_exec_time, rows, shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written, wal_bytes, query
    FROM pg_stat_statements JOIN pg_database d ON d.oid = dbid WHERE d.datname = 'bench'
    ORDER BY total_exec_time DESC`);
  const sum = (k: string) => rows.reduce((s, r) => s + Number(r[k]), 0);
  const per = (x: number) => x / n;
  const out: string[] = [];
  out.push(`\n## ${name}: ${n} turns (${USERS} users × ${THREADS} threads × ${TURNS} turns), ${(n / (wallMs / 1000)).toFixed(1)} turns/s`);
  out.push(`per turn: statements ${per(sum("calls")).toFixed(1)}, exec ms ${per(sum("total_exec_time")).toFixed(2)}, PostgreSQL CPU ms ${per(cpuMs).toFixed(1)}, ` +
    `commits ${per(b.commits - a.commits).toFixed(2)}, WAL fsyncs ${per(b.walFsyncs - a.walFsyncs).toFixed(2)}, rollbacks ${per(b.rollbacks - a.rollbacks).toFixed(2)}, WAL bytes ${per(b.walBytes - a.walBytes).toFixed(0)}, ` +
    `WAL records ${per(b.walRecords - a.walRecords).toFixed(1)}, full-page images ${per(b.walFpi - a.walFpi).toFixed(2)}, shared blks hit ${per(sum("shared_blks_hit")).toFixed(0)}, dirtied ${per(sum("shared_blks_dirtied")).toFixed(1)}`);
  out.push("\n| calls/turn | exec ms/turn | rows/turn | blks hit/turn | dirtied/turn | WAL B/turn | statement |\n|---:|---:|---:|---:|---:|---:|---|");
  for (const r of rows.slice(0, TOP)) {
    const q = r.query.replace(/\s+/g, " ").slice(0, 140).replace(/\|/g, "\\|");
    out.push(`| ${per(Number(r.calls)).toFixed(2)} | ${per(Number(r.total_exec_time)).toFixed(3)} | ${per(Number(r.rows)).toFixed(1)} | ${per(Number(r.shared_blks_hit)).toFixed(0)} | ${per(Number(r.shared_blks_dirtied)).toFixed(2)} | ${per(Number(r.wal_bytes)).toFixed(0)} | ${q} |`);
  }
  out.push(`(${rows.length} distinct statements; ${Math.max(0, rows.length - TOP)} more below these)`);
  if (process.env.PG_STAT_FULL) {
    const full = rows.slice(0, TOP).map((r, i) => `-- ${name} #${i + 1}: ${per(Number(r.calls)).toFixed(2)} calls/turn\n${r.query}\n`).join("\n");
    appendFileSync(process.env.PG_STAT_FULL, full);
  }
  process.stdout.write(`${out.join("\n")}\n`);
}
