import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freePort, type ServiceProcess, startServiceProcess } from "./helpers/service-process.js";
import { chat, SseReader } from "./helpers/sse-client.js";

/**
 * `npm start` as a newcomer runs it: no DATABASE_URL, no model configured. Tokens 40 ms apart, so
 * that a reply is still streaming when the service is stopped; a grace period that outlasts it.
 */
function start(dataDir: string, port: number) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, DEMO_TOKEN_DELAY_MS: "40", SHUTDOWN_GRACE_MS: "20000" };
  for (const name of ["DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "API_KEYS", "HOST", "LOG_LEVEL"]) delete env[name];
  return startServiceProcess(env, port);
}

// `npm start` on its own embedded PostgreSQL, whatever TEST_DATABASE_URL says: the pass against the
// system PostgreSQL (CI's second) would only run it again, so it runs in the embedded pass alone.
// One DATA_DIR, and the service the first test starts again is the one the second stops mid-run
// (each start costs seconds of CPU; the first on a DATA_DIR, an initdb too).
describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))("npm start on a machine with nothing but Node", () => {
  let dataDir = "";
  let port = 0;
  let running: ServiceProcess | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "threadloom-main-"));
    // Ours, so opened for the server's user when run as root (the cluster then stays in it).
    await chmod(dataDir, 0o755);
    port = await freePort();
  });
  afterAll(async () => {
    await running?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  // Embedded PostgreSQL on a free port (never 5432), the demo model, a clean SIGTERM, and a second
  // start that finds the first one's threads again.
  it("runs on embedded PostgreSQL and the demo model, and keeps its data across restarts", async () => {
    const first = await start(dataDir, port);
    const base = `http://127.0.0.1:${port}`;
    expect(first.logs()).toMatch(/offline DEMO model/);
    expect(first.logs()).toMatch(/started embedded PostgreSQL/);
    expect(first.logs()).not.toMatch(/"port":5432\b/);
    expect(first.logs()).toMatch(/listening on this machine only/);
    const res = await chat(base, { message: "hello there" });
    const threadId = res.headers.get("x-thread-id")!;
    const reply = res.events.find((e) => e.event === "message" && e.data.role === "assistant")!.data.content;
    expect(reply).toMatch(/^You said "hello there"\. This is turn 1 of our conversation/);
    // Structured JSON logs: the run's log line carries the request id the response announced.
    // (The log line comes over the child's stdout, which can arrive after the HTTP response.)
    const runLog = await vi.waitFor(() => {
      const line = first.logs().split("\n").find((l) => l.includes('"msg":"run finished"'));
      if (!line) throw new Error("no run log yet");
      return JSON.parse(line);
    });
    expect(runLog).toMatchObject({ reqId: res.headers.get("x-request-id"), runId: res.headers.get("x-run-id"), threadId, status: "success" });
    expect(await first.stop()).toBe(0);
    expect(first.logs()).toMatch(/"msg":"stopped"/);

    running = await start(dataDir, port);
    const again = await chat(base, { message: "do you remember me?", thread_id: threadId });
    const answer = again.events.find((e) => e.event === "message" && e.data.role === "assistant")!.data.content;
    expect(answer).toMatch(/This is turn 2 of our conversation; earlier you said "hello there"/);
  }, 60_000);

  // SIGTERM while a reply is streaming: the run finishes within the grace period and is kept,
  // the embedded PostgreSQL stopping only after it.
  it("lets a running run finish on SIGTERM, embedded PostgreSQL included", async () => {
    const first = running ?? (await start(dataDir, port));
    running = undefined;
    const response = await fetch(`${first.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "tell me a long story about a lighthouse keeper and the sea" }) });
    const threadId = response.headers.get("x-thread-id")!;
    const reader = new SseReader(response);
    for (let e = await reader.next(); e && e.event !== "token"; e = await reader.next());
    const exited = first.stop();
    for (let e = await reader.next(); e; e = await reader.next());
    expect(reader.events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
    expect(await exited).toBe(0);
    running = await start(dataDir, port);
    const thread = await (await fetch(`${running.url}/api/threads/${threadId}`)).json();
    expect(thread.messages.map((m: { role: string; status: string }) => `${m.role}:${m.status}`)).toEqual(["user:complete", "assistant:complete"]);
  }, 60_000);
});
