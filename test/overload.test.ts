import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { expectMirrorMatchesCheckpoint, runRows, summary } from "./helpers/checkpoint-state.js";
import { openChat, words } from "./helpers/live-chat.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

describe("a process under more load than it takes", () => {
  const services: TestService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
  });

  // MAX_CONCURRENT_RUNS=1 and one run streaming: a native stream is refused before any SSE header,
  // with when to retry; an Agent Server run is accepted and waits in the queue until a place frees.
  it("answers a native stream 503 with Retry-After and queues an Agent Server run, past MAX_CONCURRENT_RUNS", async () => {
    const t = await startTestService({ env: { MAX_CONCURRENT_RUNS: "1" } });
    services.push(t);
    t.mock.script({ text: words(200), tokenDelayMs: 20 });
    const first = await openChat(t.url, { message: "a long one", on_disconnect: "cancel" });
    await first.readUntil((e) => e.event === "token");

    const refused = await fetch(`${t.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "me too" }) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ status: 503, title: "Service unavailable" });
    const refusedGet = await fetch(`${t.url}/chat?message=${encodeURIComponent("me too")}`);
    expect([refusedGet.status, refusedGet.headers.get("retry-after")]).toEqual([503, expect.stringMatching(/^\d+$/)]);
    await refusedGet.body?.cancel();

    const thread = await (await fetch(`${t.url}/threads`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json();
    const created = await fetch(`${t.url}/threads/${thread.thread_id}/runs`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "chat", input: { messages: [{ role: "user", content: "queued for a place" }] } }),
    });
    expect(created.status).toBe(200);
    const run = await created.json();
    expect(run.status).toBe("pending");

    // The first client leaves (its run is cancelled): the place it frees goes to the queued run.
    t.mock.script({ text: "your turn now" });
    first.disconnect();
    const joined = await (await fetch(`${t.url}/threads/${thread.thread_id}/runs/${run.run_id}/join`)).json();
    expect(joined.messages.map((m: { content: string }) => m.content)).toEqual(["queued for a place", "your turn now"]);
    expect((await runRows(t.db.pool, thread.thread_id)).map((r) => r.status)).toEqual(["success"]);
  });

  // A run queued for want of a place holds its thread (busy) with no run ahead of it: cancelling it,
  // or rolling it back, must free the thread, or nothing would ever end it.
  it.each(["interrupt", "rollback"])("a queued run alone on its thread, cancelled with %s, leaves the thread idle", async (action) => {
    const t = await startTestService({ env: { MAX_CONCURRENT_RUNS: "1" } });
    services.push(t);
    t.mock.script({ text: words(200), tokenDelayMs: 20 });
    const first = await openChat(t.url, { message: "a long one", on_disconnect: "cancel" });
    await first.readUntil((e) => e.event === "token");
    const post = async (url: string, body: unknown) =>
      fetch(`${t.url}${url}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const thread = await (await post("/threads", {})).json();
    const run = await (await post(`/threads/${thread.thread_id}/runs`, { assistant_id: "chat", input: { messages: [{ role: "user", content: "queued" }] } })).json();
    expect(run.status).toBe("pending");
    expect((await (await fetch(`${t.url}/threads/${thread.thread_id}`)).json()).status).toBe("busy");

    expect((await post(`/threads/${thread.thread_id}/runs/${run.run_id}/cancel?action=${action}`, {})).status).toBe(202);
    expect((await (await fetch(`${t.url}/threads/${thread.thread_id}`)).json()).status).toBe("idle");
    first.disconnect();
    // The thread takes a new run at once.
    t.mock.script({ text: "fresh" });
    const next = await (await post(`/threads/${thread.thread_id}/runs/wait`, { assistant_id: "chat", input: { messages: [{ role: "user", content: "again" }] } })).json();
    expect(next.messages.at(-1)).toMatchObject({ content: "fresh" });
  });

  // A client that reads nothing (a raw socket, a unix socket's small buffer) on a long stream: the
  // frames wait in memory up to SSE_MAX_BUFFER_BYTES, then the connection is cut; the run goes on
  // (on_disconnect continue) and is saved whole.
  it("cuts a client that does not read once its stream's buffer is full, and the run still completes", async () => {
    const logs: Record<string, any>[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const maxBufferBytes = 65_536;
    const t = await startTestService({ env: { SSE_MAX_BUFFER_BYTES: String(maxBufferBytes) }, logger });
    services.push(t);
    // About 600 KB of token frames: several times what the sockets and the bound hold together.
    const reply = Array.from({ length: 2000 }, (_, i) => `word${i}-${"x".repeat(60)}`).join(" ");
    t.mock.script({ text: reply, tokenDelayMs: 0 });
    const socketPath = path.join(os.tmpdir(), `threadloom-slow-${process.pid}-${Date.now()}.sock`);
    const server = http.createServer(t.service.app);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const body = JSON.stringify({ message: "tell me everything" });
      const client = net.connect(socketPath);
      client.pause();
      client.write(`POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

      const runs = await vi.waitFor(async () => {
        const { rows } = await t.db.pool.query("SELECT thread_id, status FROM runs");
        expect(rows).toHaveLength(1);
        expect(rows[0].status).not.toBe("running");
        return rows;
      }, { timeout: 60_000, interval: 50 });
      expect(runs[0].status).toBe("success");
      const cut = logs.find((l) => l.msg === "cut a client that reads the stream too slowly");
      expect(cut, "the slow client was not cut").toBeDefined();
      expect(cut!.peakBufferedBytes).toBeLessThanOrEqual(maxBufferBytes);
      expect(cut!.bufferedBytes + cut!.frameBytes).toBeGreaterThan(maxBufferBytes);

      // What the client gets when it reads at last: the stream's beginning, then the connection ends without `end`.
      let received = "";
      client.on("data", (d) => (received += d));
      client.resume();
      await new Promise((resolve) => client.once("close", resolve));
      expect(received).toMatch(/^HTTP\/1\.1 200 /);
      expect(received).toContain("event: start");
      expect(received).not.toContain("event: end");

      const messages = await expectMirrorMatchesCheckpoint(t.db.pool, runs[0].thread_id);
      expect(messages.map(summary)).toEqual([["user", "tell me everything", "complete"], ["assistant", reply, "complete"]]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
