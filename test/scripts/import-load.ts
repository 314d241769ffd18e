/**
 * Imports one large thread into a service of its own (`src/main.ts` in its own process, embedded
 * PostgreSQL in a temp dir) while another client asks `/healthz` again and again, one request after
 * the other, and prints how long the import took, how often health answered meanwhile and the
 * longest wait for one of its answers (what the event loop was held for, plus one round trip).
 *
 *   node --import tsx test/scripts/import-load.ts [messages=20000] [characters per message=2000]
 *
 * With THREADLOOM_URL set it imports into that running service instead (and reports no RSS).
 */
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startServiceProcess } from "../helpers/service-process.js";

const count = Number.parseInt(process.argv[2] ?? "20000", 10);
const chars = Number.parseInt(process.argv[3] ?? "2000", 10);
const dataDir = await mkdtemp(path.join(os.tmpdir(), "threadloom-import-"));
await chmod(dataDir, 0o755);
const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "info" };
for (const name of ["DATABASE_URL", "API_KEYS", "HOST"]) delete env[name];
const given = process.env.THREADLOOM_URL;
const service = given ? undefined : await startServiceProcess(env);
const url = given ?? service!.url;
try {
  const body = JSON.stringify({
    thread: { graph_id: "chat", title: "import-load" },
    messages: Array.from({ length: count }, (_, i) => ({ id: `m${i}`, role: i % 2 ? "assistant" : "user", content: `message ${i} ${"x".repeat(chars)}` })),
  });
  let importing = true;
  let answers = 0;
  let longest = 0;
  const health = (async () => {
    let last = performance.now();
    while (importing) {
      await (await fetch(`${url}/healthz`)).arrayBuffer();
      const now = performance.now();
      if (importing) answers++;
      longest = Math.max(longest, now - last);
      last = now;
    }
  })();
  const started = performance.now();
  const response = await fetch(`${url}/api/threads/import`, { method: "POST", headers: { "content-type": "application/json" }, body });
  // Not parsed here: this process's own pause would count as the service's.
  const answer = await response.text();
  const imported = { message_count: /"message_count":(\d+)/.exec(answer.slice(0, 4096))?.[1] };
  const took = performance.now() - started;
  importing = false;
  await health;
  const rss = service && /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${service.child.pid}/status`, "utf8"))?.[1];
  console.log(
    `${count} messages, ${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB: HTTP ${response.status}, ${imported.message_count ?? "?"} messages imported in ${(took / 1000).toFixed(1)} s; ` +
      `/healthz answered ${answers} times meanwhile, the longest wait for an answer ${Math.round(longest)} ms; service peak RSS ${rss ? Math.round(Number(rss) / 1024) : "?"} MiB`,
  );
} finally {
  await service?.stop();
  await rm(dataDir, { recursive: true, force: true });
}
