import { afterAll, describe, expect, it, vi } from "vitest";
import { DatabaseOutage } from "./helpers/database-outage.js";
import { openChat, words } from "./helpers/live-chat.js";
import { startMockOpenAI, type MockOpenAI } from "./helpers/mock-openai.js";
import { startServiceProcess, type ServiceProcess } from "./helpers/service-process.js";
import { chat } from "./helpers/sse-client.js";
import { createTestDatabase } from "./helpers/test-database.js";

describe("npm start while its DATABASE_URL goes away", () => {
  let mock: MockOpenAI | undefined;
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    if (service?.child.exitCode === null) service.child.kill("SIGKILL");
    await mock?.close();
  });

  // A tool call, then a slow answer: the graph goes on working after the checkpoint write the
  // outage made fail, which is when an unhandled rejection used to end the process.
  it("lives through the outage with a run streaming, serves again afterwards and exits 0 on SIGTERM", async () => {
    const db = await createTestDatabase();
    mock = await startMockOpenAI((req) =>
      req.messages.at(-1)?.role === "tool"
        ? { text: words(40), tokenDelayMs: 50 }
        : { text: words(10), tokenDelayMs: 50, toolCalls: [{ name: "calculator", args: { expression: "2 + 2" } }] },
    );
    service = await startServiceProcess({
      ...process.env, DATABASE_URL: db.url, OPENAI_BASE_URL: mock.baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "mock-model", OPENAI_MAX_RETRIES: "0",
    });
    const outage = new DatabaseOutage(db.name);

    const live = await openChat(service.url, { message: "work through the outage" });
    await live.readUntil((e) => e.event === "token" && String(e.data.content).includes("w5"));
    await outage.begin();
    try {
      const stopped = await live.readUntil((e) => e.event === "error");
      expect(stopped.data).toMatchObject({ code: "database_unavailable" });
      const ready = await fetch(`${service.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get("retry-after")).toMatch(/^\d+$/);
      const refused = await fetch(`${service.url}/api/threads`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(service.child.exitCode).toBeNull();
    } finally {
      await outage.end();
    }

    await vi.waitFor(async () => expect((await fetch(`${service!.url}/readyz`)).status).toBe(200), { timeout: 20_000, interval: 100 });
    // The stopped run is recorded once the database is back; then its thread takes the next turn.
    mock.script({ text: "back again" });
    await vi.waitFor(async () => {
      const next = await chat(service!.url, { message: "are you back?", thread_id: live.threadId });
      expect(next.events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
    }, { timeout: 20_000, interval: 200 });
    const thread = await (await fetch(`${service.url}/api/threads/${live.threadId}`)).json();
    expect(thread.messages.filter((m: { role: string }) => m.role === "user").map((m: { content: string }) => m.content)).toEqual(["work through the outage", "are you back?"]);

    // One line when the database went away and one when it came back, not one per failed try.
    const lines = service.logs().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { msg: string });
    expect(lines.filter((l) => l.msg.startsWith("database unreachable"))).toHaveLength(1);
    expect(lines.filter((l) => l.msg === "database reachable again")).toHaveLength(1);
    expect(await service.stop()).toBe(0);
  }, 90_000);
});
