import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // THREADLOOM_SELF_CHECK=1 runs only the test built to fail (`.ci/run` proves a failure fails the run).
    include: process.env.THREADLOOM_SELF_CHECK === "1" ? ["test/ci/always-fails.check.ts"] : ["src/**/*.test.ts", "graphs/**/*.test.ts", "test/**/*.test.ts"],
    // Against TEST_DATABASE_URL (CI's second pass), the files whose subject is not the database and
    // which the embedded pass runs anyway: loading manifests and graph schemas in started services,
    // the slowest files of the suite. (start-stop, main-process, web-concurrency and the browser
    // tests skip themselves there, as they need the embedded server or say so.)
    exclude: process.env.TEST_DATABASE_URL ? ["test/manifest.test.ts", "test/graph-schemas.test.ts", "**/node_modules/**"] : ["**/node_modules/**"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // The checkpointer conformance suite (src/db/threadloom-saver.test.ts) registers its tests through globals.
    globals: true,
    // As src/main.ts tolerates it: a refused write of a run that lost its claim, which LangGraph
    // 1.4.18 handles late when the graph has a store (see there). Anything else still fails the run.
    onUnhandledError: (error) => ((error as Error | undefined)?.name === "ClaimLostError" ? false : undefined),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
