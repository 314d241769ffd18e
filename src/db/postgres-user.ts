import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { StartupError } from "../startup-error.js";

const run = promisify(execFile);

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  /** Made by this start-up. */
  created: boolean;
}

/** PostgreSQL refuses to run as root: it runs as `postgres`, made when missing (as the package did). */
export async function ensurePostgresUser(name = "postgres"): Promise<SystemUser> {
  const ids = async () => {
    const [uid, gid] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  };
  try {
    return { name, ...(await ids()), created: false };
  } catch {
    try {
      await run("groupadd", ["--system", name]).catch(() => {});
      await run("useradd", ["--system", "--gid", name, "--no-create-home", name]);
      return { name, ...(await ids()), created: true };
    } catch (err) {
      throw new StartupError(`running as root, PostgreSQL needs a user "${name}" and it could not be made (${(err as Error).message.split("\n")[0]}): make it, run as another user, or set DATABASE_URL`);
    }
  }
}

/** The first directory on the way to `dir` (itself included) that `user` may not pass; null if none. */
export async function firstClosedDirectory(dir: string, user: SystemUser): Promise<string | null> {
  const chain: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === path.dirname(d)) break;
  }
  for (const d of chain) {
    const { mode, uid, gid } = await stat(d);
    // Supplementary groups and ACLs are not looked at: at worst the cluster goes elsewhere.
    const bit = uid === user.uid ? 0o100 : gid === user.gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) return d;
  }
  return null;
}

export interface ClusterPlace {
  dir: string;
  /** Why it is not under DATA_DIR, when it is not. */
  reason?: string;
}

const LOCATION_FILE = "postgres-location";

/**
 * Where the cluster lives: `DATA_DIR/postgres`, unless the server's user (as root) cannot reach
 * DATA_DIR; then in a directory of ours under `baseDir`, recorded in DATA_DIR for the next start.
 * No permission of a directory this service did not make is changed.
 */
export async function placeCluster(dataDir: string, user: SystemUser | undefined, baseDir: string): Promise<ClusterPlace> {
  const recorded = (await readFile(path.join(dataDir, LOCATION_FILE), "utf8").catch(() => "")).trim();
  if (recorded) return { dir: recorded, reason: `recorded in ${path.join(dataDir, LOCATION_FILE)}` };
  const inDataDir = path.join(dataDir, "postgres");
  if (!user) return { dir: inDataDir };
  const closed = await firstClosedDirectory(dataDir, user);
  if (!closed) {
    await makeClusterDir(inDataDir, user);
    return { dir: inDataDir };
  }
  if (existsSync(path.join(inDataDir, "PG_VERSION"))) {
    throw new StartupError(`${inDataDir} holds a PostgreSQL cluster that user ${user.name} cannot reach (${closed} is closed to it): open that directory to it, or move DATA_DIR`);
  }
  const clusters = path.join(baseDir, "clusters");
  const dir = path.join(clusters, createHash("sha256").update(dataDir).digest("hex").slice(0, 16));
  await makeOpenDir(clusters);
  await makeClusterDir(dir, user);
  await writeFile(path.join(dataDir, LOCATION_FILE), `${dir}\n`);
  return { dir, reason: `user ${user.name} cannot reach ${closed}` };
}

/** An empty directory for the cluster, the user's own (initdb wants it so). Left as it is when it exists. */
async function makeClusterDir(dir: string, user: SystemUser): Promise<void> {
  if (existsSync(dir)) return;
  await mkdir(dir);
  await chmod(dir, 0o700);
  await chown(dir, user.uid, user.gid);
}

/** Makes `dir` and its missing parents, searchable by all; directories that existed are left alone. */
export async function makeOpenDir(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (!first) return;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    await chmod(d, 0o755);
    if (d === path.resolve(first)) return;
  }
}
