import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // THREADLOOM_SELF_CHECK=1 runs only the test built to fail (`.ci/run` proves a failure fails the run).
    include: process.env.THREADLOOM_SELF_CHECK === "1" ? ["test/ci/always-fails.check.ts"] : ["src/**/*.test.ts", "graphs/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // The checkpointer conformance suite (src/db/threadloom-saver.test.ts) registers its tests through globals.
    globals: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
