import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { chmod, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freePort, spawnService, type ServiceProcess } from "./helpers/service-process.js";
import { chat, SseReader, type SseEvent } from "./helpers/sse-client.js";
import { createTestDatabase } from "./helpers/test-database.js";

/**
 * Like startServiceProcess, with room for a slow start: workers each load the graphs (and tsx compiles
 * them) at once, on a machine the other tests share.
 */
async function startSlowly(env: NodeJS.ProcessEnv, port: number): Promise<ServiceProcess> {
  const { child, exited, stdout, stderr } = spawnService({ ...env, PORT: String(port), LOG_LEVEL: env.LOG_LEVEL ?? "info" });
  const output = () => stdout() + stderr();
  for (const deadline = Date.now() + 150_000; !/threadloom is listening/.test(stdout()); ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the service did not start (exit ${child.exitCode}): ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child, url: `http://127.0.0.1:${port}`, logs: output, exited,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      return exited;
    },
  };
}

const dirs: string[] = [];
const services: ServiceProcess[] = [];
afterAll(async () => {
  for (const s of services) await s.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** `WEB_CONCURRENCY=2 npm start` as a newcomer runs it: no DATABASE_URL, no model configured. */
async function startCluster(extra: NodeJS.ProcessEnv = {}): Promise<{ service: ServiceProcess; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-cluster-"));
  await chmod(dir, 0o755); // ours, so opened for the server's user when run as root
  dirs.push(dir);
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, WEB_CONCURRENCY: "2", DEMO_TOKEN_DELAY_MS: "0", ...extra };
  for (const name of ["DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "API_KEYS", "HOST", "LOG_LEVEL"]) if (!(name in extra)) delete env[name];
  const service = await startSlowly(env, await freePort());
  services.push(service);
  return { service, dir };
}

type LogLine = { msg: string; level: number; worker?: number; pid?: number; port?: number; workerId?: number; baseUrl?: string; poolMax?: number };
const lines = (logs: string): LogLine[] => logs.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
const serving = (logs: string) => lines(logs).filter((l) => l.msg === "worker serving");

/** Command lines of the processes that name `dir`: the embedded PostgreSQL's postmaster (`postgres -D <dir>/postgres`). */
async function processesUsing(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
    if (cmdline.includes(dir)) found.push(cmdline);
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Reads a stream until it ends or breaks (its worker killed): the events read. */
async function readUntilCut(reader: SseReader): Promise<{ events: SseEvent[]; cut: boolean }> {
  try {
    for (let e = await reader.next(); e; e = await reader.next());
    return { events: reader.events, cut: false };
  } catch {
    return { events: reader.events, cut: true };
  }
}

/** GET on a connection of its own (the cluster hands each new connection to the next worker). */
function getOnNewConnection(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

async function fetchAgain(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (attempt === 5) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const postChat = (url: string, message: string) =>
  fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message }) });

// Workers start their own processes from the embedded server the primary owns: the embedded pass only.
// One cluster, as a newcomer starts it, goes through its life: serving from both workers, losing one
// mid-run and replacing it, then stopping on SIGTERM (a cluster costs an initdb and three processes).
// Tokens come 300 ms apart, so that runs are still running when a worker is killed; leases last 15 s,
// so that a loaded machine does not lapse the surviving worker's.
describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))("WEB_CONCURRENCY=2 on the embedded PostgreSQL", () => {
  let service: ServiceProcess;
  let dir: string;
  let workers: LogLine[];
  let victim: number | undefined;
  beforeAll(async () => {
    ({ service, dir } = await startCluster({ DEMO_TOKEN_DELAY_MS: "300", LEASE_TTL_MS: "15000" }));
    workers = serving(service.logs());
  }, 300_000);

  // Proves both workers start on one PostgreSQL and one demo model that the primary started.
  it("starts one PostgreSQL and one demo model for both workers, and migrates once", async () => {
    const logs = lines(service.logs());
    expect(logs.filter((l) => l.msg.startsWith("started embedded PostgreSQL"))).toHaveLength(1);
    expect(workers.map((w) => w.worker).sort()).toEqual([1, 2]);
    // One demo model: both workers call the primary's.
    const models = logs.filter((l) => l.msg.startsWith("model server:"));
    expect(models).toHaveLength(2);
    expect(new Set(models.map((m) => m.baseUrl)).size).toBe(1);
    expect(logs.filter((l) => l.msg.startsWith("using the offline DEMO model"))).toHaveLength(1);
    expect(await processesUsing(dir)).toHaveLength(1);
    // Both workers migrate at start-up, under the migrations' lock: the first applies, the other finds nothing to do.
    expect(logs.filter((l) => l.msg === "applied migrations")).toHaveLength(1);
  });

  // Proves both workers serve turns, and either answers a scrape for both.
  it("serves from both workers, and counts both workers' runs in /metrics", async () => {
    // New connections at once: the cluster hands them to the workers in turn. Sums, so that each
    // turn calls the calculator and its reply is short (tokens come 300 ms apart here).
    const turns = await Promise.all(Array.from({ length: 6 }, (_, i) => chat(service.url, { message: `what is ${i} + ${i}?` })));
    for (const [i, turn] of turns.entries()) {
      expect(turn.events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
      expect(turn.events.filter((e) => e.event === "message" && e.data.role === "assistant").at(-1)?.data.content).toBe(`The calculator says ${i} + ${i} = ${2 * i}.`);
    }
    const ran = await vi.waitFor(() => {
      const finished = lines(service.logs()).filter((l) => l.msg === "run finished");
      if (finished.length < 6) throw new Error("not every run logged yet");
      return finished;
    });
    expect(new Set(ran.map((l) => l.worker))).toEqual(new Set([1, 2]));
    // Whichever worker takes the scrape, it answers for both: their runs summed, each counted once.
    for (let i = 0; i < 4; i++) {
      const text = await getOnNewConnection(`${service.url}/metrics`);
      expect(text).toContain('threadloom_runs_total{graph="chat",status="success"} 6\n');
      expect(text).toMatch(/^threadloom_queue_depth 0$/m);
    }
  }, 120_000);

  // Proves a worker killed mid-run is replaced, its runs end `worker_lost` through its lease as a lost
  // replica's do (their streams rejoined on the other worker), and the service goes on answering.
  it("replaces a worker killed mid-run; its runs end worker_lost; the service keeps answering", async () => {
    // Four streams at once, on four connections: the cluster hands them to both workers.
    const responses = await Promise.all(Array.from({ length: 4 }, (_, i) => postChat(service.url, `tell me a long story about lighthouse number ${i}`)));
    const streams = responses.map((res) => ({ threadId: res.headers.get("x-thread-id")!, runId: res.headers.get("x-run-id")!, reader: new SseReader(res) }));
    for (const s of streams) for (let e = await s.reader.next(); e && e.event !== "token"; e = await s.reader.next());
    // Which worker runs which run: the run's lease (runs.worker_id), and the worker that took that lease.
    const logs = lines(service.logs());
    const port = logs.find((l) => l.msg.startsWith("started embedded PostgreSQL"))!.port!;
    const db = new pg.Client({ connectionString: `postgres://postgres:threadloom@127.0.0.1:${port}/postgres` });
    await db.connect();
    const { rows } = await db.query<{ run_id: string; worker_id: number }>("SELECT run_id::text, worker_id FROM runs WHERE run_id::text = ANY($1::text[])", [streams.map((s) => s.runId)]);
    await db.end();
    const leaseOf = new Map(logs.filter((l) => l.msg === "worker lease taken").map((l) => [l.workerId!, l.worker!]));
    const workerOf = (runId: string) => leaseOf.get(rows.find((r) => r.run_id === runId)!.worker_id)!;
    victim = workerOf(streams[0]!.runId);
    const victimPid = serving(service.logs()).find((w) => w.worker === victim)!.pid!;
    process.kill(victimPid, "SIGKILL");

    // The killed worker's runs end once its lease expires (LEASE_TTL_MS); meanwhile its replacement
    // starts and new turns are answered.
    const outcomes = Promise.all(streams.map(async (s) => {
      const { events } = await readUntilCut(s.reader);
      const worker = workerOf(s.runId);
      const last = events.at(-1)!;
      if (worker !== victim || last.event === "end" || last.event === "error") return { events, worker, rest: undefined };
      // Rejoined on whichever worker answers: the rest of the run, ended once its lease expired.
      // (A connection the client kept to the killed worker is reset: it connects again, as a browser does.)
      const rest = new SseReader(await fetchAgain(`${service.url}/api/threads/${s.threadId}/stream?run_id=${s.runId}`, { headers: { "Last-Event-ID": last.id! } }));
      for (let e = await rest.next(); e; e = await rest.next());
      return { events, worker, rest: rest.events };
    }));
    outcomes.catch(() => undefined); // awaited below; a failure meanwhile is not unhandled
    const replaced = await vi.waitFor(() => {
      const third = serving(service.logs()).find((w) => w.worker === 3);
      if (!third) throw new Error("no replacement yet");
      return third;
    }, { timeout: 120_000, interval: 200 });
    expect(lines(service.logs()).filter((l) => l.msg.startsWith(`worker ${victim} died`))).toHaveLength(1);
    expect(alive(replaced.pid!)).toBe(true);
    const after = await Promise.all(Array.from({ length: 4 }, (_, i) => chat(service.url, { message: `still there ${i}?` })));
    for (const turn of after) expect(turn.events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });

    for (const o of await outcomes) {
      if (o.worker !== victim) {
        expect(o.events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
        continue;
      }
      expect(o.events.at(-1)!.event).not.toBe("end");
      // Its lease had already lapsed (a loaded machine): the worker stopped the run itself, as it must.
      if (o.events.at(-1)!.event === "error") expect(o.events.at(-1)).toMatchObject({ data: { code: "worker_lost" } });
      else expect(o.rest!.at(-1)).toMatchObject({ event: "error", data: { code: "worker_lost" } });
    }
  }, 360_000);

  // Proves SIGTERM stops the primary and every worker (the replacement too), exit code 0, nothing
  // left running, and nothing logged as an error but the killed worker's death.
  it("stops everything on SIGTERM", async () => {
    const all = serving(service.logs());
    expect(await service.stop()).toBe(0);
    const errors = lines(service.logs()).filter((l) => l.level >= 50).map((l) => l.msg.replace(/ in \d+ ms /, " in N ms "));
    expect(errors, service.logs()).toEqual(victim === undefined ? [] : [`worker ${victim} died: starting another in N ms (its runs are taken back through its lease)`]);
    const live = all.map((w) => w.worker!).filter((w) => w !== victim);
    expect(lines(service.logs()).filter((l) => l.msg === "stopped").map((l) => l.worker ?? "primary").sort()).toEqual([...live.sort(), "primary"]);
    for (const w of all) expect(alive(w.pid!)).toBe(false);
    expect(await processesUsing(dir)).toEqual([]);
  }, 60_000);

  // Proves a port in use is said once, in one line, with exit code 1, before the primary starts PostgreSQL or any worker.
  it("says once that the port is in use, and starts nothing", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-cluster-port-"));
    dirs.push(dir);
    const taken = net.createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const { port } = taken.address() as net.AddressInfo;
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, WEB_CONCURRENCY: "2", PORT: String(port), LOG_LEVEL: "info" };
      for (const name of ["DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "API_KEYS", "HOST"]) delete env[name];
      const run = spawnService(env);
      expect(await run.exited).toBe(1);
      expect(run.stderr().trim()).toBe(`port ${port} is in use: stop the other service or set PORT=<another port>`);
      expect(run.stdout()).not.toMatch(/started embedded PostgreSQL|starting worker/);
      expect(await processesUsing(dir)).toEqual([]);
    } finally {
      taken.close();
    }
  }, 60_000);

});

describe("WEB_CONCURRENCY against the server's max_connections", () => {
  // Proves the workers' pools are lowered to fit, each worker running with the lowered pool.
  it("lowers each worker's DB_POOL_MAX so that all workers fit, and says so", async () => {
    const db = await createTestDatabase();
    const { rows } = await db.pool.query<{ max: string; reserved: string }>("SELECT current_setting('max_connections') AS max, current_setting('superuser_reserved_connections') AS reserved");
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, WEB_CONCURRENCY: "2", DB_POOL_MAX: "500", LOG_LEVEL: "info" };
    for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "API_KEYS", "HOST"]) delete env[name];
    const service = await startSlowly(env, await freePort());
    services.push(service);
    const [lowered] = lines(service.logs()).filter((l) => l.msg.startsWith("DB_POOL_MAX lowered from 500 to "));
    expect(lowered, service.logs()).toBeDefined();
    const poolMax = Number(/to (\d+) in each of 2 workers/.exec(lowered!.msg)![1]);
    expect(poolMax).toBeLessThan(500);
    expect(2 * (poolMax + 2)).toBeLessThanOrEqual(Number(rows[0]!.max) - Number(rows[0]!.reserved));
    expect(serving(service.logs()).map((w) => w.poolMax)).toEqual([poolMax, poolMax]);
    expect((await chat(service.url, { message: "hello" })).events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
    expect(await service.stop()).toBe(0);
  }, 300_000);

  // Proves a number of workers no pool fits is refused in one line naming the numbers, before any worker starts.
  it("refuses to start more workers than max_connections allows, in one line", async () => {
    const db = await createTestDatabase();
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, WEB_CONCURRENCY: "256", PORT: String(await freePort()), LOG_LEVEL: "info" };
    const run = spawnService(env);
    expect(await run.exited).toBe(1);
    const stderr = run.stderr().trim().split("\n");
    expect(stderr, run.stderr()).toHaveLength(1);
    expect(stderr[0]).toMatch(/^WEB_CONCURRENCY=256: 256 workers need at least 1024 PostgreSQL connections .*\(max_connections\) of which \d+ are reserved and 5 kept free: set WEB_CONCURRENCY to at most \d+, or raise max_connections to at least \d+$/);
    expect(run.stdout()).not.toContain("starting worker");
  }, 60_000);
});
