/**
 * What pruning saves: one tool-calling thread of N turns (`BENCH_RETENTION_TURNS`, default 100) built
 * through the real service (in this process, against a no-delay mock model), then its checkpoint
 * tables measured before and after one prune pass (CHECKPOINT_PRUNE_AFTER_MINUTES): rows, bytes as
 * stored (pg_column_size: after compression), and the tables on disk after VACUUM FULL (the database
 * holds only this thread). Run: `npx tsx test/bench/retention-bench.ts` with BENCH_DATABASE_URL (a
 * server where a database is created and dropped; default the system PostgreSQL on 5432).
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { createService } from "../../src/create-service.js";
import { CHECKPOINT_SCHEMA } from "../../src/db/create-checkpointer.js";
import { startMockOpenAI } from "../helpers/mock-openai.js";

const TABLES = ["checkpoints", "checkpoint_blobs", "checkpoint_writes"].map((t) => `${CHECKPOINT_SCHEMA}.${t}`);

async function measure(db: pg.Pool, threadId: string) {
  const out: Record<string, { rows: number; stored: number }> = {};
  for (const table of [...TABLES, "pruned_checkpoints"]) {
    const key = table === "pruned_checkpoints" ? "thread_id::text" : "thread_id";
    const { rows } = await db.query(`SELECT count(*)::int AS rows, COALESCE(sum(pg_column_size(t.*)), 0)::bigint AS stored FROM ${table} t WHERE ${key} = $1`, [threadId]);
    out[table] = { rows: rows[0].rows, stored: Number(rows[0].stored) };
  }
  await db.query(`VACUUM FULL ${[...TABLES, "pruned_checkpoints"].join(", ")}`);
  const { rows } = await db.query(`SELECT sum(pg_total_relation_size(t::regclass))::bigint AS bytes FROM unnest($1::text[]) t`, [[...TABLES, "pruned_checkpoints"]]);
  return { tables: out, onDisk: Number(rows[0].bytes) };
}

async function main() {
  const turns = Number(process.env.BENCH_RETENTION_TURNS ?? 100);
  const server = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const name = `retention_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Pool({ connectionString: server, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const mock = await startMockOpenAI((req) =>
    req.messages.at(-1)?.role === "tool" ? { text: `The result is ${req.messages.at(-1)!.content}, as computed.` } : { toolCalls: [{ name: "calculator", args: { expression: `${req.messages.length}*7` } }] },
  );
  const config = loadConfig({ DATABASE_URL: url.toString(), OPENAI_BASE_URL: mock.baseURL, OPENAI_API_KEY: "bench", OPENAI_MODEL: "mock-model", LOG_LEVEL: "silent", CHECKPOINT_PRUNE_AFTER_MINUTES: "0.0001" });
  const service = await createService(config, pino({ level: "silent" }));
  const listener = http.createServer(service.app).listen(0, "127.0.0.1");
  await new Promise((r) => listener.once("listening", r));
  const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  try {
    let threadId: string | undefined;
    for (let i = 0; i < turns; i++) {
      const res = await fetch(`${base}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: `turn ${i + 1}: compute something`, ...(threadId ? { thread_id: threadId } : {}) }) });
      threadId ??= res.headers.get("x-thread-id")!;
      await res.text();
    }
    const db = service.db.pool;
    const before = await measure(db, threadId!);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    const swept = await service.retention.sweepOnce();
    const ms = performance.now() - started;
    const after = await measure(db, threadId!);
    const stored = (m: typeof before) => Object.values(m.tables).reduce((s, t) => s + t.stored, 0);
    console.log(`retention: ${turns} tool-calling turns on one thread; one prune pass removed ${swept.prunedCheckpoints} checkpoints in ${ms.toFixed(0)} ms`);
    console.log("| table | rows before | rows after | stored bytes before | stored bytes after |");
    console.log("|---|---|---|---|---|");
    for (const table of Object.keys(before.tables)) {
      const b = before.tables[table]!;
      const a = after.tables[table]!;
      console.log(`| ${table} | ${b.rows} | ${a.rows} | ${b.stored} | ${a.stored} |`);
    }
    console.log(`| all, as stored | | | ${stored(before)} | ${stored(after)} (×${(stored(after) / stored(before)).toFixed(3)}) |`);
    console.log(`| all, on disk after VACUUM FULL (with indexes and TOAST) | | | ${before.onDisk} | ${after.onDisk} (×${(after.onDisk / before.onDisk).toFixed(3)}) |`);
  } finally {
    await service.close(0);
    listener.close();
    await mock.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
