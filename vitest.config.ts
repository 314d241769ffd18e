import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "graphs/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // The checkpointer conformance suite (src/db/threadloom-saver.test.ts) registers its tests through globals.
    globals: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
