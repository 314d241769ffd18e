import path from "node:path";
import ts from "typescript";

/**
 * A source file and the files it imports, transitively, that are not packages (not under
 * node_modules): the files a graph's types can change with. Its own path first.
 */
export function localImports(file: string, options: ts.CompilerOptions): string[] {
  const found = new Set<string>([file]);
  const queue = [file];
  for (let current = queue.shift(); current; current = queue.shift()) {
    const text = ts.sys.readFile(current);
    if (text === undefined) continue;
    const { importedFiles } = ts.preProcessFile(text, true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const resolved = ts.resolveModuleName(fileName, current, options, ts.sys).resolvedModule?.resolvedFileName;
      if (!resolved || resolved.split(path.sep).includes("node_modules") || found.has(resolved)) continue;
      found.add(resolved);
      queue.push(resolved);
    }
  }
  return [...found];
}
