import { randomUUID } from "node:crypto";
import { open, readFile, stat, unlink } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

const POLL_MS = 250;

/**
 * Holds a lock file (its content: our pid) while `work` runs, so that processes starting at once
 * (replicas, test files) read the same graphs' types once: the others wait, then find the cache
 * filled. A holder that died, or held it past `staleMs`, is taken over. Waits at most `staleMs`.
 * The file says `<pid> <token>`: the pid tells whether its holder lives, the token whose it is.
 */
export async function withFileLock<T>(path: string, staleMs: number, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + staleMs;
  const mine = `${process.pid} ${randomUUID()}`;
  for (;;) {
    if (await tryTake(path, mine)) {
      try {
        return await work();
      } finally {
        await release(path, mine);
      }
    }
    if ((await isStale(path, staleMs)) || Date.now() > deadline) await unlink(path).catch(() => {});
    else await sleep(POLL_MS);
  }
}

async function tryTake(path: string, mine: string): Promise<boolean> {
  try {
    const file = await open(path, "wx", 0o600);
    await file.writeFile(mine);
    await file.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const [content, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    const pid = Number.parseInt(content, 10);
    // Written but not yet filled in by its taker: not stale.
    if (!Number.isInteger(pid)) return false;
    return !isAlive(pid);
  } catch {
    // Gone between the look and now: whoever held it is done.
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function release(path: string, mine: string): Promise<void> {
  const content = await readFile(path, "utf8").catch(() => "");
  if (content === mine) await unlink(path).catch(() => {});
}
