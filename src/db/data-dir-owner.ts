import { renameSync, writeFileSync } from "node:fs";
import { link, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { StartupError } from "../startup-error.js";
import { isRunning, processStartTime } from "./process-info.js";

/** What `DATA_DIR/owner.json` says: which threadloom process runs the embedded PostgreSQL there. */
export interface OwnerRecord {
  pid: number;
  /** The process's start time (see processStartTime), so that a reused pid is not taken for it. */
  startTime: string | null;
  /** Set when its shutdown began: a service starting on the same DATA_DIR waits for it. */
  stopping: boolean;
}

export interface DataDirClaim {
  /** Tells a service starting on the same DATA_DIR that this one is on its way out. Synchronous, never throws. */
  markStopping(): void;
  /** Gives DATA_DIR up (the server is stopped). */
  release(): Promise<void>;
}

export interface ClaimOptions {
  /** How long to wait for an owner that is stopping. */
  waitMs: number;
  onNotice(message: string): void;
}

const FILE = "owner.json";
// An owner signalled a moment ago may not have marked itself stopping yet: look again for this long
// before saying it is in use.
const SIGNAL_GRACE_MS = 1_500;

export function isOwnerAlive(owner: OwnerRecord): boolean {
  if (!isRunning(owner.pid)) return false;
  return owner.startTime === null || processStartTime(owner.pid) === owner.startTime;
}

/**
 * Makes this process the owner of `dataDir`'s embedded PostgreSQL. A record left by a process that
 * is gone (killed, crashed) is replaced; an owner that is stopping is waited for, once announced;
 * a live one is an error the user can fix.
 */
export async function claimDataDir(dataDir: string, options: ClaimOptions): Promise<DataDirClaim> {
  const file = path.join(dataDir, FILE);
  const me: OwnerRecord = { pid: process.pid, startTime: processStartTime(process.pid), stopping: false };
  const tmp = `${file}.${process.pid}.tmp`;
  let stoppingSince: number | undefined;
  let runningSince: number | undefined;
  for (;;) {
    if (await create(file, tmp, JSON.stringify(me))) return claim(file, me);
    // Null: removed meanwhile, claim again. Unreadable counts as empty, which no live owner writes.
    const read = () => readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? null : ""));
    const raw = await read();
    if (raw === null) continue;
    const owner = parseOwner(raw);
    if (!owner || !isOwnerAlive(owner)) {
      // Its process is gone: the record is stale, unless it was replaced meanwhile.
      if ((await read()) === raw) await rm(file, { force: true });
      continue;
    }
    const now = Date.now();
    if (owner.stopping) {
      runningSince = undefined;
      if (stoppingSince === undefined) {
        stoppingSince = now;
        options.onNotice(`${dataDir} is used by threadloom (pid ${owner.pid}), which is stopping: waiting up to ${Math.ceil(options.waitMs / 1000)} s for it`);
      } else if (now - stoppingSince > options.waitMs) {
        throw new StartupError(`${dataDir} is still in use by threadloom (pid ${owner.pid}), which began stopping ${Math.ceil(options.waitMs / 1000)} s ago; stop it first, or set DATA_DIR or DATABASE_URL`);
      }
    } else {
      runningSince ??= now;
      if (now - runningSince > SIGNAL_GRACE_MS) {
        throw new StartupError(`${dataDir} is in use by threadloom (pid ${owner.pid}); stop it first, or set DATA_DIR or DATABASE_URL`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Creates `file` unless it exists. Written aside, then linked into place: the claim is atomic and a
 * reader never sees half a file (where hard links are not supported, an exclusive create has to do).
 */
async function create(file: string, tmp: string, content: string): Promise<boolean> {
  await writeFile(tmp, content);
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw err;
    try {
      await writeFile(file, content, { flag: "wx" });
      return true;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err2;
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

function claim(file: string, me: OwnerRecord): DataDirClaim {
  const ours = async () => {
    const owner = parseOwner((await readFile(file, "utf8").catch(() => "")) ?? "");
    return owner?.pid === me.pid && owner.startTime === me.startTime;
  };
  return {
    markStopping() {
      try {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify({ ...me, stopping: true }));
        renameSync(tmp, file);
      } catch {
        // Without the mark, a service started now says the directory is in use: no harm done.
      }
    },
    async release() {
      if (await ours()) await rm(file, { force: true });
    },
  };
}

function parseOwner(raw: string): OwnerRecord | null {
  try {
    const value = JSON.parse(raw) as Partial<OwnerRecord>;
    if (!Number.isInteger(value.pid) || (value.pid as number) <= 0) return null;
    return { pid: value.pid as number, startTime: typeof value.startTime === "string" ? value.startTime : null, stopping: value.stopping === true };
  } catch {
    return null;
  }
}
