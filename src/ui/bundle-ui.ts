import { dirname, extname } from "node:path";
import type { BuildFailure, Message } from "esbuild";

/** One file of a graph's UI bundle, served at `/ui/<graph>/<name>`. */
export interface UiFile {
  name: string;
  contents: Uint8Array;
}

/**
 * Modules the page that shows the components already has (LangGraph's `LoadExternalComponent`
 * hands them out through `LGUI_REQUIRE`): a bundle takes them, and their subpaths, from there rather
 * than carry its own copy, so there is one React on the page. `ui_config.shared` adds to them.
 */
const PAGE_MODULES = ["react", "react-dom", "@langchain/langgraph-sdk"];

/** The global a graph's bundle defines: `__LGUI_<graph id with anything but letters and digits as _>`. */
export const uiGlobalName = (graphId: string) => `__LGUI_${graphId.replace(/[^a-zA-Z0-9]/g, "_")}`;

/**
 * Bundles the file of a graph's `ui` entry (a module whose default export maps component names to
 * React components) for the browser, as LangGraph's server does: `entrypoint.js`, a script defining
 * `uiGlobalName(graphId)` whose `render(name, shadowRootId)` mounts the named component in that
 * element's shadow root through the page's component store; `entrypoint.css` when it imports CSS.
 * A failure is a `UiBuildError` saying where.
 */
export async function bundleUi(graphId: string, file: string, shared: readonly string[] = []): Promise<UiFile[]> {
  // Loaded when a UI is first built: a service without `ui` never loads esbuild.
  const { build } = await import("esbuild");
  let outputs;
  try {
    ({ outputFiles: outputs } = await build({
      stdin: { contents: entrypoint(file), resolveDir: dirname(file), sourcefile: "entrypoint.tsx", loader: "tsx" },
      bundle: true,
      write: false,
      outdir: dirname(file),
      // CommonJS, in a script of ours that gives it `require`: the page's modules come from the page.
      format: "cjs",
      external: [...PAGE_MODULES, ...shared],
      platform: "browser",
      target: "es2020",
      jsx: "automatic",
      logLevel: "silent",
    }));
  } catch (err) {
    throw new UiBuildError((err as BuildFailure).errors ?? [], err);
  }
  return outputs.map((out) => {
    const name = `entrypoint${extname(out.path)}`;
    return { name, contents: name === "entrypoint.js" ? Buffer.from(asScript(graphId, out.text)) : out.contents };
  });
}

/** The CommonJS bundle as a script defining the graph's global, its `require` the page's. */
function asScript(graphId: string, commonJs: string): string {
  return `var ${uiGlobalName(graphId)} = (() => {
var module = { exports: {} }, exports = module.exports;
var require = (name) => globalThis[Symbol.for("LGUI_REQUIRE")](name);
${commonJs}
return module.exports;
})();
`;
}

/** The bundle's entry: the graph's components, and the `render` LangGraph's loader calls by name. */
function entrypoint(file: string): string {
  return `import components from ${JSON.stringify(file)};
const store = Symbol.for("LGUI_EXT_STORE");
export function render(name, shadowRootId) {
  const root = document.getElementById(shadowRootId)?.shadowRoot;
  if (!root) throw new Error("no shadow root at #" + shadowRootId);
  const component = components[name];
  if (!component) throw new Error("this UI has no component " + JSON.stringify(name) + " (it has " + Object.keys(components).join(", ") + ")");
  const target = document.createElement("div");
  root.appendChild(target);
  window[store].respond(shadowRootId, component, target);
}
`;
}

/** A UI that did not bundle: the first of esbuild's errors, with where it is. */
export class UiBuildError extends Error {
  constructor(errors: Message[], cause: unknown) {
    const [first] = errors;
    const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : "";
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    super(first ? `${where}${first.text}${more}` : String((cause as Error)?.message ?? cause), { cause });
    this.name = "UiBuildError";
  }
}
