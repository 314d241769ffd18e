import type { Logger } from "pino";
import { applyManifestEnv } from "./apply-env.js";
import { registerGraphLogger } from "./graph-logger.js";
import { type CustomAuth, loadAuth } from "./load-auth.js";
import { loadGraph, type LoadedGraph } from "./load-graph.js";
import { type HttpApp, loadHttpApp } from "./load-http-app.js";
import { useProjectPackages } from "./project-packages.js";
import { readManifest, type Manifest } from "./read-manifest.js";

/**
 * Reads the manifest, applies its env, and imports every graph it lists, in order, then its auth
 * and its HTTP app if it names them.
 */
export async function loadGraphs(path: string, logger: Logger): Promise<{ manifest: Manifest; graphs: LoadedGraph[]; auth?: CustomAuth; customApp?: HttpApp }> {
  const manifest = await readManifest(path);
  const set = await applyManifestEnv(manifest);
  if (set.length > 0) logger.info({ variables: set }, `set ${set.length} variables from the manifest's env`);
  useProjectPackages();
  registerGraphLogger(logger);
  const graphs: LoadedGraph[] = [];
  for (const spec of manifest.graphs) {
    const loaded = await loadGraph(spec);
    logger.info({ graphId: spec.id, path: spec.file, factory: Boolean(loaded.factory) }, `graph ${spec.id}: ${spec.spec}`);
    graphs.push(loaded);
  }
  const auth = manifest.auth ? await loadAuth(manifest.auth) : undefined;
  if (auth) logger.info({ path: manifest.auth!.file }, `custom authentication: ${auth.spec}`);
  const customApp = manifest.http.app ? await loadHttpApp(manifest.http.app) : undefined;
  if (customApp) logger.info({ path: manifest.http.app!.file, kind: customApp.kind }, `custom routes: ${customApp.spec} (${customApp.kind === "hono" ? "Hono" : "Express"})`);
  if (manifest.http.disabled.size) logger.info({ disabled: [...manifest.http.disabled] }, `built-in routes turned off: ${[...manifest.http.disabled].join(", ")}`);
  if (manifest.http.unknownKeys.length) {
    logger.warn({ keys: manifest.http.unknownKeys }, `the manifest's http has keys this server does not implement, which are ignored: ${manifest.http.unknownKeys.join(", ")}`);
  }
  return { manifest, graphs, auth, customApp };
}
