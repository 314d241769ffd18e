import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * `npm test`'s own command and global setup on the one test built to fail
 * (test/ci/always-fails.check.ts, which THREADLOOM_SELF_CHECK=1 selects): its exit code.
 */
async function runFailingTest(databaseUrl: string | undefined) {
  const env: NodeJS.ProcessEnv = { ...process.env, THREADLOOM_SELF_CHECK: "1", NO_COLOR: "1", FORCE_COLOR: "0" };
  // This run's own worker settings would mislead the vitest started below.
  for (const name of Object.keys(env)) if (name.startsWith("VITEST") || name === "TEST_DATABASE_URL") delete env[name];
  if (databaseUrl) env.TEST_DATABASE_URL = databaseUrl;
  const child = spawn("npx", ["vitest", "run", "--config", "vitest.config.ts"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

// Proves a failing test fails the run: the embedded PostgreSQL's package, loaded by the global
// setup, used to end vitest's process with exit code 0 from a `beforeExit` hook.
describe("a test run with a failing test", () => {
  // The pass against TEST_DATABASE_URL leaves it to the embedded pass, which runs it anyway.
  it.skipIf(Boolean(process.env.TEST_DATABASE_URL))("exits non-zero with the embedded PostgreSQL", async () => {
    const { code, output } = await runFailingTest(undefined);
    expect(output).toMatch(/Tests\s+1 failed \(1\)/);
    expect(code, output).toBe(1);
  }, 120_000);

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))("exits non-zero with TEST_DATABASE_URL", async () => {
    const { code, output } = await runFailingTest(process.env.TEST_DATABASE_URL);
    expect(output).toMatch(/Tests\s+1 failed \(1\)/);
    expect(code, output).toBe(1);
  }, 120_000);
});
