import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { freePort, startServiceProcess } from "./helpers/service-process.js";
import { chat } from "./helpers/sse-client.js";

/** `npm start` as a newcomer runs it: no DATABASE_URL, no model configured. */
function start(dataDir: string, port: number) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, DEMO_TOKEN_DELAY_MS: "0" };
  for (const name of ["DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "API_KEYS", "HOST", "LOG_LEVEL"]) delete env[name];
  return startServiceProcess(env, port);
}

describe("npm start on a machine with nothing but Node", () => {
  let dataDir = "";
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  // Embedded PostgreSQL on a free port (never 5432), the demo model, a clean SIGTERM, and a second
  // start that finds the first one's threads again.
  it("runs on embedded PostgreSQL and the demo model, and keeps its data across restarts", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "threadloom-main-"));
    const port = await freePort();
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

    const second = await start(dataDir, port);
    try {
      const again = await chat(base, { message: "do you remember me?", thread_id: threadId });
      const answer = again.events.find((e) => e.event === "message" && e.data.role === "assistant")!.data.content;
      expect(answer).toMatch(/This is turn 2 of our conversation; earlier you said "hello there"/);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
