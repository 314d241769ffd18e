import { Writable } from "node:stream";
import { pino } from "pino";
import { expect } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createService } from "../../src/create-service.js";
import { applyManifestEnv } from "../../src/manifest/apply-env.js";
import { readManifest } from "../../src/manifest/read-manifest.js";
import { StartupError } from "../../src/startup-error.js";

/**
 * What src/main.ts does before it serves (read the manifest, apply its env, read the configuration,
 * create the service), in the test's own process: a start-up error costs no process of its own.
 * `env` is the whole environment the process would have, in place for that time (the manifest's
 * env and the model's settings go into it, as there), then put back. Resolves with what start-up
 * threw ("started" if it did not: the service is then closed) and what it logged.
 */
export async function startUpInProcess(env: NodeJS.ProcessEnv): Promise<{ error: unknown; logs: string }> {
  let logs = "";
  const logger = pino({ level: "info" }, new Writable({ write: (chunk, _, done) => void ((logs += chunk), done()) }));
  const saved = { ...process.env };
  replaceEnv(env);
  try {
    const manifest = await readManifest(process.env.LANGGRAPH_JSON || "langgraph.json");
    await applyManifestEnv(manifest);
    const service = await createService(loadConfig(), logger);
    await service.close();
    return { error: "started", logs };
  } catch (error) {
    return { error, logs };
  } finally {
    replaceEnv(saved);
  }
}

function replaceEnv(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
  Object.assign(process.env, env);
}

/**
 * Expects start-up to stop as main stops it for what the user can fix: a StartupError, printed as
 * its message alone, one line (`expected`, or a pattern it matches), then exit code 1. Returns the
 * line and the logs.
 */
export async function expectStartUpError(env: NodeJS.ProcessEnv, expected: string | RegExp): Promise<{ line: string; logs: string }> {
  const { error, logs } = await startUpInProcess(env);
  expect(error, logs).toBeInstanceOf(StartupError);
  const line = (error as Error).message;
  expect(line).not.toContain("\n");
  if (typeof expected === "string") expect(line).toBe(expected);
  else expect(line).toMatch(expected);
  return { line, logs };
}
