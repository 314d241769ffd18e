import { readFile } from "node:fs/promises";
import { parseEnv } from "node:util";
import { StartupError } from "../startup-error.js";
import type { Manifest } from "./read-manifest.js";

/**
 * The manifest's `env` (a file, or variables) goes into the process environment before its graphs
 * load, as the LangGraph CLI does; a variable already set wins. A named env file that does not exist
 * is skipped (the repo's own manifest names `.env`, which a fresh clone has not got).
 * Returns the names it set.
 */
export async function applyManifestEnv(manifest: Manifest, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  let vars: Record<string, string>;
  if (typeof manifest.env === "string") {
    let text: string;
    try {
      text = await readFile(manifest.env, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new StartupError(`${manifest.path}: env file ${manifest.env} cannot be read (${(err as NodeJS.ErrnoException).code})`);
    }
    vars = parseEnv(text) as Record<string, string>;
  } else {
    vars = manifest.env ?? {};
  }
  const set = Object.keys(vars).filter((name) => env[name] === undefined);
  for (const name of set) env[name] = vars[name];
  return set;
}
