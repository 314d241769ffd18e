import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface WrittenManifest {
  /** The langgraph.json written. */
  file: string;
  remove(): Promise<void>;
}

/** Writes `manifest` as langgraph.json in a fresh folder (graph paths absolute, so they load from there). */
export async function writeManifest(manifest: Record<string, unknown>): Promise<WrittenManifest> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-manifest-"));
  const file = path.join(dir, "langgraph.json");
  await writeFile(file, JSON.stringify(manifest));
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}
