import { HumanMessage } from "@langchain/core/messages";
import { afterAll, describe, expect, it } from "vitest";
import { killService, startCrashableService, untilLeasesExpired } from "./helpers/crashing-service.js";
import { chat, readSse } from "./helpers/sse-client.js";
import { startMockOpenAI } from "./helpers/mock-openai.js";
import { createTestDatabase } from "./helpers/test-database.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const LONG_REPLY = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");

describe("repair after a crash", () => {
  const services: TestService[] = [];
  afterAll(async () => {
    for (const s of services) await s.close();
  });

  // The process running a run is killed mid-stream: the next process frees the thread's slot,
  // marks the run failed, rebuilds the mirror from the checkpoints, and the thread goes on.
  it("recovers a thread whose service process was killed mid-run", async () => {
    const db = await createTestDatabase();
    const mock = await startMockOpenAI({ text: LONG_REPLY, tokenDelayMs: 20 });
    const service = await startCrashableService(db, mock);
    const base = service.url;
    const response = await fetch(`${base}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "tell me a long story" }) });
    const threadId = response.headers.get("x-thread-id")!;
    const runId = response.headers.get("x-run-id")!;
    let tokens = 0;
    const seen = await readSse(response, { until: (e) => e.event === "token" && ++tokens === 5 });
    await killService(service);

    const before = await db.pool.query("SELECT r.status AS run, t.status AS thread FROM runs r JOIN threads t USING (thread_id) WHERE thread_id = $1", [threadId]);
    expect(before.rows).toEqual([{ run: "running", thread: "busy" }]);
    // Its runs are another process's to reap once its lease has expired (a dropped session alone is no death).
    await untilLeasesExpired(db.pool);

    mock.script({ text: "fresh start" });
    const t = await startTestService({ db, mock });
    services.push(t);
    const runs = await db.pool.query("SELECT status, error->>'code' AS code FROM runs WHERE thread_id = $1", [threadId]);
    expect(runs.rows).toEqual([{ status: "error", code: "worker_lost" }]);
    const thread = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    expect(thread.status).toBe("error");
    const state = await (await t.service.graphs.get("chat")).getState({ configurable: { thread_id: threadId } });
    expect(thread.messages.map((m: { id: string }) => m.id)).toEqual(state.values.messages.map((m: { id: string }) => m.id));
    expect(thread.messages[0]).toMatchObject({ role: "user", content: "tell me a long story" });

    // Joined again, the run's stream has what the dead process saved after the client's last event,
    // then the error it ended with, made from its record (the process never sent one).
    const rest = await readSse(await fetch(`${t.url}/api/threads/${threadId}/stream?run_id=${runId}`, { headers: { "Last-Event-ID": seen.events.at(-1)!.id! } }));
    const ids = rest.events.map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => Number(seen.events.at(-1)!.id) + 1 + i));
    expect(rest.events.at(-1)).toMatchObject({ event: "error", data: { type: "error", code: "worker_lost" } });
    expect(rest.events.slice(0, -1).every((e) => e.event === "token")).toBe(true);

    const next = await chat(t.url, { message: "again", thread_id: threadId });
    expect(next.events.at(-1)!.data.status).toBe("success");
    await mock.close();
  });

  // Checkpoints written behind the mirror's back (a process that died between its last checkpoint
  // and the projection) are picked up on the next read of the thread.
  it("brings a mirror that is behind its checkpoints up to date on read", async () => {
    const t = await startTestService({ script: { text: "answer" } });
    services.push(t);
    const threadId = (await chat(t.url, { message: "first" })).headers.get("x-thread-id")!;
    await (await t.service.graphs.get("chat")).invoke({ messages: [new HumanMessage({ id: "sneaky-1", content: "written elsewhere" })] }, { configurable: { thread_id: threadId } });
    const thread = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    expect(thread.messages.map((m: { role: string; content: string }) => `${m.role}: ${m.content}`)).toEqual([
      "user: first", "assistant: answer", "user: written elsewhere", "assistant: answer",
    ]);
    expect(thread.message_count).toBe(4);
  });
});
