import { readFileSync } from "node:fs";

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces): [0] is the state
 * (field 3); null without /proc.
 */
export function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/**
 * When the process started, in clock ticks since boot: with the pid, it tells a process from a later
 * one that was given the same pid. Null where there is no /proc (then the pid alone has to do).
 */
export function processStartTime(pid: number): string | null {
  // Field 22 of the whole line; the slice above starts at field 3 (the state).
  return statFields(pid)?.[19] ?? null;
}

/** The process's arguments, space-separated, or null where there is no /proc. */
export function processCommandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return null;
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A zombie has exited; its parent (maybe this process, when it is a container's init) has not
  // collected it yet.
  return statFields(pid)?.[0] !== "Z";
}

/** Polls until the process is gone or `ms` have passed; true when it is gone. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * Stops a PostgreSQL server: SIGINT (fast shutdown: sessions ended, a checkpoint written), then
 * SIGQUIT (immediate shutdown) and last SIGKILL to its process group. True when it is gone.
 */
export async function stopPostgresProcess(pid: number): Promise<boolean> {
  const steps: [NodeJS.Signals, number][] = [["SIGINT", 20_000], ["SIGQUIT", 5_000], ["SIGKILL", 5_000]];
  for (const [signal, ms] of steps) {
    try {
      // SIGKILL goes to the whole group, so that no backend outlives its postmaster.
      if (signal === "SIGKILL") process.kill(-pid, signal);
      else process.kill(pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        return !isRunning(pid);
      }
    }
    if (await waitForExit(pid, ms)) return true;
  }
  return false;
}

/** The process's resident set (VmRSS) in bytes, or null where there is no /proc or the process is gone. */
export function residentSetBytes(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}
