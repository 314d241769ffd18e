/**
 * `npm run fuzz`: a seeded fuzz of every route of the service, in a process of its own, on a fresh
 * database (embedded PostgreSQL in a temp dir, or a new database on FUZZ_DATABASE_URL's server).
 *
 *   FUZZ_SEED        the seed (default: a random one, printed first so a failure can be replayed)
 *   FUZZ_REQUESTS    how many requests (default 10,000)
 *   FUZZ_ONLY        comma-separated request indices: send only these (a finding's replay)
 *
 * Exits 1 on any finding (a 500, a 503 without Retry-After, an error that is not problem+json, a
 * request never answered, a route without a generator), a dead service, or RSS that did not settle.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { residentSetBytes } from "../../src/db/process-info.js";
import { openBenchDatabase } from "../bench/bench-database.js";
import { declaredRoutes } from "../helpers/app-routes.js";
import { runFuzz } from "./fuzz.js";
import { FUZZ_API_KEY, RSS_MARGIN_BYTES, settledRss, startFuzzTarget } from "./fuzz-target.js";

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const requests = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const only = process.env.FUZZ_ONLY?.split(",").map(Number);
if (!Number.isInteger(seed) || !Number.isInteger(requests) || requests < 1 || only?.some((i) => !Number.isInteger(i))) {
  console.error("FUZZ_SEED and FUZZ_REQUESTS must be integers, FUZZ_ONLY comma-separated integers");
  process.exit(2);
}
console.log(`fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npm run fuzz)`);

const MiB = (bytes: number | null) => (bytes === null ? "?" : `${(bytes / 1024 / 1024).toFixed(0)} MiB`);
if (process.env.FUZZ_DATABASE_URL) process.env.BENCH_DATABASE_URL = process.env.FUZZ_DATABASE_URL;
const tempDir = mkdtempSync(path.join(os.tmpdir(), "threadloom-fuzz-"));
const db = await openBenchDatabase(tempDir);
let failed = true;
try {
  const target = await startFuzzTarget(db.url);
  try {
    const rssStart = residentSetBytes(target.pid);
    const summary = await runFuzz({
      url: target.service.url, seed, requests, only, apiKey: FUZZ_API_KEY, routes: declaredRoutes(), ids: target.ids, pid: target.pid, log: (l) => console.log(l),
    });
    const rssEnd = rssStart === null ? null : await settledRss(target.pid, rssStart, undefined, (l) => console.log(l));
    const alive = target.service.child.exitCode === null && (await fetch(`${target.service.url}/healthz`).then((r) => r.status === 200, () => false));
    const settled = rssStart === null || (rssEnd !== null && rssEnd <= rssStart + RSS_MARGIN_BYTES);
    for (const f of summary.findings) console.log(JSON.stringify(f));
    const errors = target.service.logs().split("\n").filter((l) => /"level":(50|60)/.test(l));
    if (errors.length) console.log(`\nthe service logged ${errors.length} errors; the first ones:\n${errors.slice(0, 10).map((l) => l.slice(0, 3_000)).join("\n")}`);
    const unnamed = Object.entries(summary.unnamed400);
    if (unnamed.length) console.log(`\n400s naming no field (reported, not failed):\n${unnamed.map(([route, u]) => `  ${route}: ${u.count}, e.g. request ${u.index}: ${u.detail}`).join("\n")}`);
    console.log("\nstatuses by route:");
    for (const [route, counts] of Object.entries(summary.byRoute).sort()) console.log(`  ${route.padEnd(55)} ${JSON.stringify(counts)}`);
    console.log(
      `\nseed ${seed}: ${summary.requests} requests in ${(summary.durationMs / 1000).toFixed(1)} s (${db.description}); statuses ${JSON.stringify(summary.byStatus)}\n` +
        `service RSS start ${MiB(rssStart)}, peak ${MiB(summary.peakRssBytes)}, end ${MiB(rssEnd)} (must settle within ${MiB(RSS_MARGIN_BYTES)} of the start): ${settled ? "ok" : "NOT SETTLED"}\n` +
        `service alive and answering /healthz: ${alive ? "yes" : "NO"}; findings: ${summary.findings.length}`,
    );
    failed = summary.findings.length > 0 || !alive || !settled;
  } finally {
    await target.close();
  }
} finally {
  await db.drop();
  rmSync(tempDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
