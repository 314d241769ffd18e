import { createHash, randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { StaticSchemas, StaticTarget } from "./extract-static-schemas.js";

/** Bumped when an entry's shape changes. (A change to how types are described changes the extractor's hash: see fingerprint.) */
const FORMAT = 1;

interface Entry {
  format: number;
  file: string;
  exportName: string;
  /** The project files the types came from, with their content's hash when read. */
  files: { path: string; sha256: string }[];
  /** What was read, or why nothing could be (the same sources fail the same way: not tried again). */
  read: CachedRead;
}

export type CachedRead = { schemas: StaticSchemas } | { error: string };

/** Where extracted schemas are kept when SCHEMA_CACHE_DIR is not set: the OS's temp dir, one folder per user. */
export function defaultSchemaCacheDir(): string {
  const user = typeof process.getuid === "function" ? String(process.getuid()) : os.userInfo().username;
  return path.join(os.tmpdir(), `threadloom-schemas-${user}`);
}

/**
 * Graphs' schemas read from their types, one file per graph, named by a hash of what they were read
 * from and with: the graph file's path and content, its export, the extractor's own code, and the
 * versions of TypeScript, LangGraph and LangChain core. An entry is used only while every project file the graph imports still hashes as
 * it did. Entries are written whole (a temporary file renamed), so a reader never sees half of one.
 */
export class SchemaCache {
  private constructor(
    readonly dir: string,
    private readonly fingerprint: string,
  ) {}

  /** The cache in `dir`, made if missing (for this user only); it must be a folder this user owns. */
  static async open(dir: string): Promise<SchemaCache> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error(`${dir} is not a folder`);
    if (typeof process.getuid === "function" && info.uid !== process.getuid()) throw new Error(`${dir} belongs to another user`);
    return new SchemaCache(dir, await fingerprint());
  }

  async read(target: StaticTarget): Promise<CachedRead | undefined> {
    let entry: Entry;
    try {
      entry = JSON.parse(await readFile(await this.pathOf(target), "utf8")) as Entry;
    } catch {
      return undefined;
    }
    if (entry.format !== FORMAT) return undefined;
    for (const file of entry.files) {
      if ((await hashFile(file.path).catch(() => null)) !== file.sha256) return undefined;
    }
    return entry.read;
  }

  /** Keeps what was read from `files` (the graph's own first). */
  async write(target: StaticTarget, read: CachedRead, files: string[]): Promise<void> {
    const entry: Entry = {
      format: FORMAT,
      file: target.file,
      exportName: target.exportName,
      files: await Promise.all(files.map(async (file) => ({ path: file, sha256: await hashFile(file) }))),
      read,
    };
    const destination = await this.pathOf(target);
    const temporary = `${destination}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(entry), { mode: 0o600 });
    await rename(temporary, destination);
  }

  /** Where one batch of graphs is read by one process at a time (see file-lock). */
  async lockPath(targets: StaticTarget[]): Promise<string> {
    const names = await Promise.all(targets.map((t) => this.pathOf(t)));
    return path.join(this.dir, `${sha256(names.sort().join("\n")).slice(0, 32)}.lock`);
  }

  private async pathOf(target: StaticTarget): Promise<string> {
    const content = await hashFile(target.file);
    const key = sha256([this.fingerprint, target.file, target.exportName, content].join("\n"));
    return path.join(this.dir, `${key.slice(0, 40)}.json`);
  }
}

async function fingerprint(): Promise<string> {
  const require = createRequire(import.meta.url);
  const version = (name: string) => {
    try {
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return "none";
    }
  };
  // The extractor's code (this folder's): entries another version of it wrote are not read.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sources = (await readdir(here)).filter((file) => /\.m?ts$|\.mjs$/.test(file) && !file.includes(".test.")).sort();
  const extractor = await Promise.all(sources.map((file) => hashFile(path.join(here, file))));
  return [FORMAT, sha256(extractor.join()), ...["typescript", "@langchain/langgraph", "@langchain/core"].map((name) => `${name}@${version(name)}`)].join(" ");
}

async function hashFile(file: string): Promise<string> {
  return sha256(await readFile(file));
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
