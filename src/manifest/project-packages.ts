import { register } from "node:module";

let registered = false;

/**
 * Graph files outside the project resolve LangGraph and LangChain to the project's copies (see the
 * hook). Registered once per process, before the first graph is imported.
 */
export function useProjectPackages(): void {
  if (registered) return;
  registered = true;
  const projectURL = new URL("../../package.json", import.meta.url).href;
  register("./project-packages.hook.mjs", import.meta.url, { data: { projectURL } });
}
