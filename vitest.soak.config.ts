import { defineConfig } from "vitest/config";

/**
 * `npm run soak`: the heavy guarantees (test/soak/*.soak.ts), with real processes and real PostgreSQL,
 * one stage at a time so they do not load each other. Each stage caps its own time (its test timeout).
 */
export default defineConfig({
  test: {
    include: ["test/soak/**/*.soak.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    fileParallelism: false,
    // As vitest.config.ts: a refused write of a run that lost its claim, handled late by LangGraph.
    onUnhandledError: (error) => ((error as Error | undefined)?.name === "ClaimLostError" ? false : undefined),
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
