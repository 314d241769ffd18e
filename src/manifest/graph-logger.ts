import type { Logger } from "pino";

// Where @langchain/langgraph-sdk/logging's getLogger() looks for the server's logger.
const SDK_LOGGER = Symbol.for("langgraph.api.sdk-logger");

type Level = "error" | "warn" | "info" | "debug" | "trace";
// The SDK's Logger has winston's npm levels; each goes to the nearest of pino's.
const LEVELS: Record<string, Level> = {
  error: "error", warn: "warn", help: "info", data: "info", info: "info", http: "debug",
  prompt: "debug", verbose: "debug", input: "debug", debug: "debug", silly: "trace",
};

/**
 * Gives graphs the logger LangGraph's platform registers (`getLogger()` from
 * `@langchain/langgraph-sdk/logging`, which throws where none is): ours, as a child named "graph",
 * each call `(message, meta?)` one log line. Kept if something registered one already.
 */
export function registerGraphLogger(logger: Logger): void {
  const global = globalThis as Record<symbol, unknown>;
  if (global[SDK_LOGGER]) return;
  const graphLogger = logger.child({ component: "graph" });
  global[SDK_LOGGER] = Object.fromEntries(
    Object.entries(LEVELS).map(([method, level]) => [
      method,
      (message: unknown, meta?: unknown) => {
        const fields = typeof meta === "object" && meta !== null ? meta : meta === undefined ? {} : { meta };
        graphLogger[level](fields, typeof message === "string" ? message : JSON.stringify(message));
      },
    ]),
  );
}
