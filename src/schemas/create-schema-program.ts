import path from "node:path";
import ts from "typescript";

// As src/manifest/project-packages.hook.mjs resolves them when the graph runs: a graph outside the
// project gets the project's LangGraph and LangChain, and the project's copy of any package its own
// folder lacks. The types must come from the same copies the running graph uses.
const SHARED = /^(@langchain\/(core|langgraph|langgraph-checkpoint|langgraph-sdk|openai)|langchain)(\/.*)?$/;
const BARE = /^(?![./]|[a-z][a-z0-9+.-]*:)/i;

/** What the schemas are read with whatever the graph's tsconfig says: strict (`string | null` kept), no output, no checking of libraries. */
const FORCED: ts.CompilerOptions = { noEmit: true, strict: true, skipLibCheck: true, allowJs: true, checkJs: false, incremental: false, composite: false };
const DEFAULTS: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, esModuleInterop: true };

/**
 * A TypeScript program of the graph files, with the compiler options of the tsconfig.json nearest
 * the first (else NodeNext defaults), resolving packages as the running service does.
 */
export function createSchemaProgram(files: string[], projectRoot: string): ts.Program {
  const options = { ...DEFAULTS, ...tsconfigOptions(path.dirname(files[0])), ...FORCED };
  const host = ts.createCompilerHost(options, true);
  const cache = ts.createModuleResolutionCache(host.getCurrentDirectory(), (name) => name, options);
  const inProject = (file: string) => !path.relative(projectRoot, file).startsWith("..");
  const fromProject = path.join(projectRoot, "__threadloom_schemas__.ts");
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, compilerOptions, containingSourceFile) =>
    literals.map((literal) => {
      const name = literal.text;
      const mode = ts.getModeForUsageLocation(containingSourceFile, literal, compilerOptions);
      const resolve = (from: string) => ts.resolveModuleName(name, from, compilerOptions, host, cache, redirected, mode);
      const outside = !inProject(containingFile) && !containingFile.split(path.sep).includes("node_modules");
      if (!outside || !BARE.test(name)) return resolve(containingFile);
      if (SHARED.test(name)) {
        const shared = resolve(fromProject);
        if (shared.resolvedModule) return shared;
      }
      const own = resolve(containingFile);
      return own.resolvedModule ? own : resolve(fromProject);
    });
  return ts.createProgram({ rootNames: files, options, host });
}

function tsconfigOptions(dir: string): ts.CompilerOptions {
  const file = ts.findConfigFile(dir, ts.sys.fileExists, "tsconfig.json");
  if (!file) return {};
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) return {};
  const { options } = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(file), undefined, file);
  // Whatever it emits, nothing is emitted here; which files it includes does not matter either.
  const { outDir: _outDir, declaration: _declaration, tsBuildInfoFile: _buildInfo, ...rest } = options;
  return rest;
}
