/**
 * Stops and starts the service on one DATA_DIR again and again, as someone pressing Ctrl-C and
 * running `npm start` again at once would: the signal goes to the whole process group (SIGINT and
 * SIGTERM in turn), and the next start begins without waiting for the last one to end.
 *
 *   node --import tsx test/scripts/restart-loop.ts [times=20]
 *
 * Each start must listen, each stop must exit 0 with no log line of level 50 or more; it prints one
 * line per round and exits 1 at the first round that fails.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort, startServiceProcess, type ServiceProcess } from "../helpers/service-process.js";

const times = Number.parseInt(process.argv[2] ?? "20", 10);
const dataDir = await mkdtemp(path.join(os.tmpdir(), "threadloom-restart-"));
await chmod(dataDir, 0o755);
const port = await freePort();
const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, DEMO_TOKEN_DELAY_MS: "0" };
for (const name of ["DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "API_KEYS", "HOST", "LOG_LEVEL"]) delete env[name];

const errorLines = (logs: string) => logs.split("\n").filter((l) => l.startsWith("{") && (JSON.parse(l) as { level: number }).level >= 50);

let current: ServiceProcess | undefined;
let failed = false;
try {
  current = await startServiceProcess(env, port, { detached: true });
  const threadId = (await fetch(`${current.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "remember me" }) }))
    .headers.get("x-thread-id");
  for (let round = 1; round <= times; round++) {
    const signal = round % 2 === 1 ? "SIGINT" : "SIGTERM";
    const previous: ServiceProcess = current;
    const started = Date.now();
    process.kill(-previous.child.pid!, signal);
    current = await startServiceProcess(env, port, { detached: true });
    const code = await previous.exited;
    const errors = errorLines(previous.logs());
    const waited = /which is stopping: waiting/.test(current.logs());
    const thread = (await fetch(`${current.url}/api/threads/${threadId}`)).status;
    const ok = code === 0 && errors.length === 0 && thread === 200;
    console.log(`round ${round}: ${signal} to the group, exit ${code}, ${errors.length} error lines, next start listening after ${Date.now() - started} ms${waited ? " (waited for the stop)" : ""}, thread ${thread}: ${ok ? "ok" : "FAILED"}`);
    if (!ok) {
      console.log(previous.logs(), errors);
      failed = true;
      break;
    }
  }
  const code = await current.stop();
  console.log(`last stop: exit ${code}, ${errorLines(current.logs()).length} error lines`);
  if (code !== 0) failed = true;
} catch (err) {
  console.error(err);
  failed = true;
  await current?.stop();
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
