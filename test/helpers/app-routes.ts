import type { Express } from "express";
import { pino } from "pino";
import { createApp, type AppDeps } from "../../src/app.js";

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** The app's routes, as "METHOD /path" the way Express reports them, read from its routers; each once. */
export function routesOf(app: Express): string[] {
  const routes = new Set<string>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const method of Object.keys(layer.route.methods)) routes.add(`${method.toUpperCase()} ${layer.route.path}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...routes];
}

/**
 * The routes `createApp` declares, for a service running in another process. `createApp` creates and
 * calls nothing while routes are declared, so its dependencies are stand-ins that fail loudly if touched.
 */
export function declaredRoutes(): string[] {
  const untouchable = new Proxy({}, {
    get: (_target, name) => {
      if (name === "then") return undefined;
      throw new Error(`createApp used its dependency's ${String(name)} while declaring routes`);
    },
  });
  const deps = {
    pool: untouchable, runs: untouchable, branches: untouchable, graphs: untouchable, schemas: untouchable, checkpointer: untouchable, store: untouchable,
    logger: pino({ level: "silent" }), apiKeys: new Map(), maxMessageChars: 32_000, heartbeatMs: 5_000,
    agentRuns: untouchable, assistants: untouchable, corsOrigins: "", models: untouchable, allowedHosts: null,
    metrics: untouchable, rateLimitRpm: 0, providers: untouchable, providerFetch: untouchable,
    // The web app's routes are declared whether or not the folder holds a built page.
    webDir: "dist/web",
  } as unknown as AppDeps;
  return routesOf(createApp(deps));
}
