import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Imports `file` and returns its export `exportName`, as the manifest names one (a graph, the auth).
 * A problem is `fail`'s error, with a sentence naming the file: not there, CommonJS, its import
 * threw, no such export.
 */
export async function importExport(file: string, exportName: string, fail: (problem: string) => Error, kind = "graphs"): Promise<unknown> {
  try {
    await stat(file);
  } catch {
    throw fail(`${file} does not exist`);
  }
  const commonJs = await loadsAsCommonJs(file, kind);
  if (commonJs) throw fail(commonJs);
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (err) {
    throw fail(`importing ${file} threw: ${(err as Error)?.message ?? String(err)}`);
  }
  if (!(exportName in module)) {
    const names = Object.keys(module).filter((name) => name !== "__esModule");
    throw fail(`${file} has no export "${exportName}"${names.length ? ` (it exports ${names.join(", ")})` : ""}`);
  }
  return module[exportName];
}

/**
 * Why the file would load as CommonJS, if it would: there, `require` gets LangGraph's CommonJS build,
 * a second copy of its classes beside the service's (a Command or an interrupt would not be
 * recognised). Node decides as it always does: by the extension, else the nearest package.json's "type".
 */
async function loadsAsCommonJs(file: string, kind: string): Promise<string | undefined> {
  const ext = extname(file);
  if ([".mts", ".mjs"].includes(ext)) return undefined;
  const advice = `name it ${file.replace(/\.[cm]?[jt]sx?$/, ".mts")}, or set "type": "module" in its package.json`;
  if ([".cts", ".cjs"].includes(ext)) return `${file} is CommonJS; ${kind} are ES modules: ${advice}`;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const text = await readFile(join(dir, "package.json"), "utf8").catch(() => undefined);
    if (text !== undefined) {
      let type: unknown;
      try {
        type = (JSON.parse(text) as { type?: unknown }).type;
      } catch {
        return `${join(dir, "package.json")} is not valid JSON`;
      }
      return type === "module" ? undefined : `${file} would load as CommonJS (${join(dir, "package.json")} has no "type": "module"); ${kind} are ES modules: ${advice}`;
    }
    if (dirname(dir) === dir) return `${file} would load as CommonJS (no package.json above it says "type": "module"); ${kind} are ES modules: ${advice}`;
  }
}
