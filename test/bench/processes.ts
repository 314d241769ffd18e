/** Child processes of the benchmark, and what /proc says about their CPU time and memory. */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import { statFields } from "../../src/db/process-info.js";

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** The last lines it wrote to stderr and stdout, for the error message when it dies. */
  tail(): string;
  stop(graceMs?: number): Promise<void>;
}

/** Runs a TypeScript file in `node --import tsx` directly, so `pid` is the process doing the work. */
export function spawnTs(name: string, script: string, args: string[], options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; preload?: string; cwd?: string } = {}): Child {
  const preload = options.preload ? ["--import", options.preload] : [];
  return spawnCommand(name, process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", ...preload, script, ...args], options);
}

/** Runs `command` from the repository root (or `cwd`: another commit's tree) with the bench's environment plus `env`. */
export function spawnCommand(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Child {
  const proc = spawn(command, args, {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 30));
  };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  return {
    name,
    proc,
    pid: proc.pid!,
    tail: () => lines.join("\n"),
    stop: (graceMs = 15_000) => stopProcess(proc, graceMs),
  };
}

/** Sends `signal` and resolves with the next stdout line starting with `prefix`, parsed as JSON. */
export function askJson<T>(child: Child, signal: NodeJS.Signals, prefix: string): Promise<T> {
  const answer = waitForLine(child, (line) => (line.startsWith(prefix) ? (JSON.parse(line.slice(prefix.length)) as T) : undefined), 10_000);
  child.proc.kill(signal);
  return answer;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export function stopProcess(proc: ChildProcess, graceMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    proc.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}

/** The first stdout line of `child` for which `pick` returns a value. */
export function waitForLine<T>(child: Child, pick: (line: string) => T | undefined, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const fail = (why: string) => {
      cleanup();
      reject(new Error(`${child.name} ${why}\n${child.tail()}`));
    };
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const value = pick(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (value !== undefined) {
          cleanup();
          return resolve(value);
        }
      }
    };
    const onExit = () => fail("exited before it was ready");
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.proc.stdout!.off("data", onData);
      child.proc.off("exit", onExit);
    };
    child.proc.stdout!.on("data", onData);
    child.proc.once("exit", onExit);
  });
}

/** Polls `url` until it answers 200; fails early if the child dies. */
export async function waitForHttp(child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`${child.name} exited (code ${child.proc.exitCode})\n${child.tail()}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms\n${child.tail()}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

// Linux reports CPU time in clock ticks; USER_HZ is 100 on every mainstream kernel.
const TICK_MS = 10;


/** User + system CPU of one process, in ms; with `reaped`, also that of its exited children. */
export function cpuMs(pid: number, reaped = false): number {
  const f = statFields(pid);
  if (!f) return 0;
  // utime, stime, cutime, cstime are fields 14-17, i.e. indexes 11-14 here.
  const ticks = Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0);
  return ticks * TICK_MS;
}

/** Every process below `rootPid`, parents before their children. */
export function descendantPids(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  for (let queue = [rootPid]; queue.length > 0; ) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/** CPU of a process tree one level deep (a postmaster and its backends, live or exited). */
export function treeCpuMs(rootPid: number): number {
  let total = cpuMs(rootPid, true);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (f && Number(f[1]) === rootPid) total += cpuMs(Number(entry));
  }
  return total;
}

/** Resident memory now and at its peak, in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** Busy CPU time of the whole machine (all cores, everything but idle and iowait), in ms. */
export function machineCpuMs(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * TICK_MS;
}

/** How long a process's main thread was runnable but waiting for a core, in ms (0 without schedstats). */
export function runQueueWaitMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[1]) / 1e6;
  } catch {
    return 0;
  }
}
