import { execFile, execFileSync, spawn } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, spawnService, startServiceProcess, type ServiceSpawnOptions } from "./helpers/service-process.js";
import { chat, SseReader } from "./helpers/sse-client.js";

const dirs: string[] = [];

/** A DATA_DIR of the test's own, opened for the server's user when run as root (the test made it). */
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-start-"));
  await chmod(dir, 0o755);
  dirs.push(dir);
  return dir;
}

/**
 * A DATA_DIR as a service that stopped cleanly leaves it: a copy of the cluster the file's first
 * `npm start` made (initdb and migrations take seconds of CPU, the same for every test).
 */
let template: string | undefined;
async function usedDataDir(): Promise<string> {
  const dir = await dataDir();
  await promisify(execFile)("cp", ["-a", path.join(template!, "postgres"), dir]);
  return dir;
}

afterAll(async () => {
  // A failed test may leave a server running: stop it before its directory goes.
  for (const dir of dirs) {
    const pid = await postmasterPid(dir);
    if (pid && alive(pid)) process.kill(pid, "SIGQUIT");
    await rm(dir, { recursive: true, force: true });
  }
});

/** `npm start` as a newcomer runs it: no DATABASE_URL, no model configured. */
function env(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, DEMO_TOKEN_DELAY_MS: "0", ...extra };
  for (const name of ["DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "API_KEYS", "HOST", "LOG_LEVEL"]) if (!(name in extra)) delete e[name];
  return e;
}

/** Runs the service until it exits by itself (a start-up failure): its exit code and output. */
async function runToExit(environment: NodeJS.ProcessEnv, port: number) {
  const service = spawnService({ ...environment, PORT: String(port) });
  const code = await service.exited;
  return { code, stdout: service.stdout(), stderr: service.stderr() };
}

/** The one line a start-up failure the user can fix prints: no stack, nothing else on stderr. */
function expectOneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

async function postmasterPid(dir: string): Promise<number | null> {
  const text = await readFile(path.join(dir, "postgres", "postmaster.pid"), "utf8").catch(() => "");
  return Number.parseInt(text.split("\n")[0] ?? "", 10) || null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An orphan stopped under a subreaper that never collects it stays a zombie.
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Processes whose command line names `dir` (a PostgreSQL started on it). */
async function processesUsing(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
    if (cmdline.includes(dir)) found.push(`${pid}: ${cmdline}`);
  }
  return found;
}

const levels = (logs: string) => logs.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { level: number; msg: string });

// `npm start` on its own embedded PostgreSQL, whatever TEST_DATABASE_URL says: the pass against the
// system PostgreSQL (CI's second) would only run it again, so it runs in the embedded pass alone.
describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))("stopping and starting again on one DATA_DIR", () => {
  // A newcomer's first start: the cluster made in an empty DATA_DIR, stopped cleanly, nothing left running.
  beforeAll(async () => {
    const dir = await dataDir();
    const first = await startServiceProcess(env(dir), await freePort());
    expect(await first.stop()).toBe(0);
    expect(await processesUsing(dir)).toEqual([]);
    template = dir;
  }, 120_000);

  // Proves a terminal's Ctrl-C (SIGINT to the whole process group) or a SIGTERM to it stops the
  // service cleanly, its PostgreSQL stopped by the service and not by the signal, and that a start
  // right after (while the first may still be stopping) succeeds and finds the data, every time.
  it("starts at once after a stop by SIGINT or SIGTERM to the process group, six times in a row", async () => {
    const dir = await usedDataDir();
    const port = await freePort();
    let current = await startServiceProcess(env(dir), port, { detached: true });
    expect(current.logs()).toContain(`"node":"${process.version}"`);
    const threadId = (await chat(current.url, { message: "remember me" })).headers.get("x-thread-id")!;
    for (const signal of ["SIGINT", "SIGTERM", "SIGINT", "SIGTERM", "SIGINT", "SIGTERM"] as const) {
      const previous = current;
      process.kill(-previous.child.pid!, signal);
      current = await startServiceProcess(env(dir), port, { detached: true });
      expect(await previous.exited, previous.logs()).toBe(0);
      expect(previous.logs()).toMatch(/"msg":"stopped"/);
      expect(levels(previous.logs()).filter((l) => l.level >= 50), previous.logs()).toEqual([]);
      const thread = await fetch(`${current.url}/api/threads/${threadId}`);
      expect(thread.status).toBe(200);
    }
    expect(await current.stop()).toBe(0);
    expect(levels(current.logs()).filter((l) => l.level >= 50)).toEqual([]);
    expect(await processesUsing(dir)).toEqual([]);
  }, 240_000);

  // Proves a start while the previous service is still finishing a run (its shutdown begun, its
  // PostgreSQL still needed) waits for it, saying so once, instead of failing with "in use".
  it("waits, saying so once, for the service on the same DATA_DIR that is still stopping", async () => {
    const dir = await usedDataDir();
    const port = await freePort();
    const first = await startServiceProcess(env(dir, { DEMO_TOKEN_DELAY_MS: "200", SHUTDOWN_GRACE_MS: "30000" }), port, { detached: true });
    const response = await fetch(`${first.url}/api/chat`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "tell me a long story about a lighthouse keeper, the sea and the ships that pass at night" }),
    });
    const reader = new SseReader(response);
    for (let e = await reader.next(); e && e.event !== "token"; e = await reader.next());
    process.kill(-first.child.pid!, "SIGINT");
    const readToEnd = async () => {
      for (let e = await reader.next(); e; e = await reader.next());
      return reader.events;
    };
    const [events, second] = await Promise.all([readToEnd(), startServiceProcess(env(dir), port, { detached: true })]);
    try {
      expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
      expect(await first.exited).toBe(0);
      expect(second.logs().match(/is used by threadloom \(pid \d+\), which is stopping: waiting up to 30 s for it/g)).toHaveLength(1);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 120_000);

  // Proves a PostgreSQL left running by a service killed with SIGKILL is stopped by the next start,
  // whatever its parent now is: in a container, an init that is a subreaper adopts it.
  const subreaper = hasPython();
  for (const via of [undefined, subreaper ? ["python3", "-c", SUBREAPER] : null]) {
    it.skipIf(via === null)(`stops the PostgreSQL a killed service left running, then starts${via ? " (under a subreaper)" : ""}`, async () => {
      const dir = await usedDataDir();
      const port = await freePort();
      const first = await startServiceProcess(env(dir), port, { via: via ?? undefined } satisfies ServiceSpawnOptions);
      const threadId = (await chat(first.url, { message: "before the crash" })).headers.get("x-thread-id")!;
      // The node process: the wrapper's only child, under a subreaper.
      const node = via ? Number.parseInt(readFileSync(`/proc/${first.child.pid}/task/${first.child.pid}/children`, "utf8"), 10) : first.child.pid!;
      const orphan = (await postmasterPid(dir))!;
      process.kill(node, "SIGKILL");
      while (alive(node)) await new Promise((r) => setTimeout(r, 50));
      expect(alive(orphan)).toBe(true);

      const second = await startServiceProcess(env(dir), port);
      try {
        expect(second.logs()).toContain(`stopping the embedded PostgreSQL (pid ${orphan})`);
        expect(alive(orphan)).toBe(false);
        expect((await fetch(`${second.url}/api/threads/${threadId}`)).status).toBe(200);
      } finally {
        expect(await second.stop()).toBe(0);
        if (via) process.kill(first.child.pid!, "SIGTERM");
      }
    }, 120_000);
  }

  // Proves a lock file left by a server that died with the machine, its pid now another program's,
  // neither stops that program nor the start.
  it("starts over a stale postmaster.pid whose pid went to another program, leaving that program alone", async () => {
    const dir = await usedDataDir();
    const first = await startServiceProcess(env(dir), await freePort());
    const lock = (await readFile(path.join(dir, "postgres", "postmaster.pid"), "utf8")).split("\n");
    expect(await first.stop()).toBe(0);
    const other = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      await writeFile(path.join(dir, "postgres", "postmaster.pid"), [String(other.pid), ...lock.slice(1)].join("\n"));
      const second = await startServiceProcess(env(dir), await freePort());
      expect(await second.stop()).toBe(0);
      expect(alive(other.pid!)).toBe(true);
    } finally {
      other.kill();
    }
  }, 120_000);

  // Proves a second service on a DATA_DIR in use says so in one line and exits 1, leaving the first
  // one running.
  it("refuses a second service on the same DATA_DIR in one line, the first unaffected", async () => {
    const dir = await usedDataDir();
    const first = await startServiceProcess(env(dir), await freePort());
    try {
      const second = await runToExit(env(dir), await freePort());
      expect(second.code).toBe(1);
      expect(expectOneLine(second.stderr)).toBe(`${dir} is in use by threadloom (pid ${first.child.pid}); stop it first, or set DATA_DIR or DATABASE_URL`);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
      expect(JSON.parse(await readFile(path.join(dir, "owner.json"), "utf8"))).toMatchObject({ pid: first.child.pid, stopping: false });
    } finally {
      expect(await first.stop()).toBe(0);
    }
  }, 120_000);

  // Proves a port in use stops start-up with one line naming it, exit code 1, and no PostgreSQL
  // started (the port is taken before the database starts).
  it("says which port is in use, and starts no PostgreSQL", async () => {
    const dir = await dataDir();
    const taken = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => taken.once("listening", r));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const result = await runToExit(env(dir), port);
      expect(result.code).toBe(1);
      expect(expectOneLine(result.stderr)).toBe(`port ${port} is in use: stop the other service or set PORT=<another port>`);
      expect(existsSync(path.join(dir, "postgres", "postmaster.pid"))).toBe(false);
      expect(await processesUsing(dir)).toEqual([]);
    } finally {
      taken.close();
    }
  }, 60_000);

  // Proves that as root the server's user gets a cluster directory of the service's own when it
  // cannot reach DATA_DIR, instead of the service opening directories it did not make.
  it.runIf(process.getuid?.() === 0)("as root, puts the cluster where user postgres can reach it when DATA_DIR is closed to it", async () => {
    const closed = await mkdtemp(path.join(os.tmpdir(), "threadloom-closed-"));
    dirs.push(closed);
    const dir = path.join(closed, "data");
    const first = await startServiceProcess(env(dir), await freePort());
    const location = (await readFile(path.join(dir, "postgres-location"), "utf8")).trim();
    try {
      expect(location).toMatch(/^\/var\/lib\/threadloom\/clusters\/[0-9a-f]{16}$/);
      const said = levels(first.logs()).filter((l) => l.msg.startsWith("running as root"));
      expect(said.map((l) => l.msg)).toEqual([expect.stringContaining(`its data in ${location} (user postgres cannot reach ${closed})`)]);
      expect((statSync(closed).mode & 0o777).toString(8)).toBe("700");
      expect(await first.stop()).toBe(0);
      const second = await startServiceProcess(env(dir), await freePort());
      expect(second.logs()).toContain(`its data in ${location}`);
      expect(await second.stop()).toBe(0);
    } finally {
      await first.stop();
      await rm(location, { recursive: true, force: true });
    }
  }, 120_000);
});

// PR_SET_CHILD_SUBREAPER (36), as tini or docker-init; it outlives the service, as a container's init
// does, until it is sent SIGTERM.
const SUBREAPER = "import ctypes, subprocess, sys, time\nctypes.CDLL(None).prctl(36, 1, 0, 0, 0)\nsubprocess.call(sys.argv[1:])\ntime.sleep(600)";

function hasPython(): boolean {
  if (process.platform !== "linux") return false;
  try {
    execFileSync("python3", ["-c", "import ctypes"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
