import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { words } from "./helpers/live-chat.js";
import type { MockRequest } from "./helpers/mock-openai.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { openSocket, refusedUpgrade, type TestSocket } from "./helpers/ws-client.js";

const ALICE = "alice-key-ws";
const BOB = "bob-key-ws";
const MAX_BUFFER_BYTES = 65_536;
// About 300 KB of token frames in few tokens: several times what a unix socket and the bound hold together.
const HUGE = Array.from({ length: 500 }, (_, i) => `word${i}-${"x".repeat(600)}`).join(" ");

/** The model answers by the user's message: `long N` streams N words slowly, `huge` a lot at once. */
function script(req: MockRequest) {
  const said = String(req.messages.filter((m) => m.role === "user").at(-1)?.content ?? "");
  const long = /^long (\d+)$/.exec(said);
  if (long) return { text: words(Number(long[1])), tokenDelayMs: 15 };
  if (said === "huge") return { text: HUGE, tokenDelayMs: 0 };
  return { text: `You said ${said}` };
}

describe("WebSocket /api/ws", () => {
  let t: TestService;
  const logs: Record<string, any>[] = [];
  const sockets: TestSocket[] = [];
  const open = async (options: Parameters<typeof openSocket>[1] = { key: ALICE }) => {
    const socket = await openSocket(t.url, options);
    sockets.push(socket);
    return socket;
  };
  const runStatus = (runId: string) =>
    vi.waitFor(async () => {
      const { rows } = await t.db.pool.query("SELECT status FROM runs WHERE run_id = $1", [runId]);
      expect(rows[0]?.status ?? "running").not.toBe("running");
      return rows[0].status as string;
    }, { timeout: 15_000, interval: 50 });

  beforeAll(async () => {
    const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    t = await startTestService({ env: { API_KEYS: `${ALICE}:acme:alice,${BOB}:acme:bob`, SSE_MAX_BUFFER_BYTES: String(MAX_BUFFER_BYTES) }, script, logger });
  });
  let closed = false;
  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    if (!closed) await t.close();
  });

  it("carries two turns on two threads at once, each frame naming its run, in order, with the native events' fields", async () => {
    const socket = await open();
    socket.send({ type: "chat", ref: "a", thread_id: "ws-a", message: "long 20" });
    socket.send({ type: "chat", ref: "b", thread_id: "ws-b", message: "long 20" });
    const [startA, startB] = [await socket.frame((f) => f.ref === "a"), await socket.frame((f) => f.ref === "b")];
    expect(startA).toEqual({ type: "start", thread_id: "ws-a", run_id: startA.run_id, event_id: 1, ref: "a" });
    expect(startB).toMatchObject({ type: "start", thread_id: "ws-b", event_id: 1, ref: "b" });
    const [a, b] = await Promise.all([socket.run(startA.run_id), socket.run(startB.run_id)]);
    for (const frames of [a, b]) {
      expect(frames.map((f) => f.event_id)).toEqual(frames.map((_, i) => i + 1));
      expect(frames.filter((f) => f.type === "token").map((f) => f.content).join("")).toBe(words(20));
      expect(frames.at(-1)).toMatchObject({ type: "end", status: "success" });
      expect(Object.keys(frames.find((f) => f.type === "token"))).toEqual(["type", "content", "index", "message_id", "node", "run_id", "event_id"]);
    }
    // Both ran at once: each turn started before the other ended.
    const at = (frame: any) => socket.frames.indexOf(frame);
    expect(at(startB)).toBeLessThan(at(a.at(-1)));
    expect(at(startA)).toBeLessThan(at(b.at(-1)));
    expect(await runStatus(startA.run_id)).toBe("success");
  });

  it("cancels a run it follows, and refuses to cancel one it does not", async () => {
    const socket = await open();
    socket.send({ type: "chat", thread_id: "ws-cancel", message: "long 200" });
    const token = await socket.frame((f) => f.type === "token");
    socket.send({ type: "cancel", run_id: token.run_id, ref: "stop" });
    expect(await socket.frame((f) => f.ref === "stop")).toEqual({ type: "cancelling", run_id: token.run_id, ref: "stop" });
    expect((await socket.run(token.run_id)).at(-1)).toMatchObject({ type: "end", status: "interrupted" });

    // Bob's socket cannot stop Alice's run, and is not told whether it exists.
    socket.send({ type: "chat", thread_id: "ws-cancel", message: "long 30" });
    const next = await socket.frame((f) => f.type === "start" && f.run_id !== token.run_id);
    const bob = await open({ key: BOB });
    bob.send({ type: "cancel", run_id: next.run_id, ref: "x" });
    expect(await bob.frame((f) => f.ref === "x")).toMatchObject({ type: "error", code: "not_found", status: 404, run_id: next.run_id });
    expect((await socket.run(next.run_id)).at(-1)).toMatchObject({ type: "end", status: "success" });
  });

  it("on a dropped socket, stops the turns sent with on_disconnect cancel and lets the others finish", async () => {
    const socket = await open();
    socket.send({ type: "chat", thread_id: "ws-drop-cancel", message: "long 50", on_disconnect: "cancel" });
    socket.send({ type: "chat", thread_id: "ws-drop-continue", message: "long 50" });
    const [cancelled, continued] = await Promise.all(
      ["ws-drop-cancel", "ws-drop-continue"].map(async (thread) => {
        const start = await socket.frame((f) => f.type === "start" && f.thread_id === thread);
        await socket.frame((f) => f.type === "token" && f.run_id === start.run_id);
        return start.run_id as string;
      }),
    );
    socket.ws.terminate();
    expect(await runStatus(cancelled!)).toBe("interrupted");
    expect(await runStatus(continued!)).toBe("success");
  });

  it("joins a thread's running run after a dropped socket from last_event_id: the rest, each event once", async () => {
    const first = await open();
    first.send({ type: "chat", thread_id: "ws-join", message: "long 40" });
    await first.frame((f) => f.type === "token" && f.index >= 3);
    first.ws.terminate();
    const seen = first.frames.filter((f) => f.event_id !== undefined);
    const last = seen.at(-1).event_id;
    expect(seen.map((f) => f.event_id)).toEqual(seen.map((_, i) => i + 1));

    const again = await open();
    again.send({ type: "join", ref: "back", thread_id: "ws-join", last_event_id: last });
    const rest = await again.run(seen[0].run_id);
    expect(rest[0].event_id).toBe(last + 1);
    expect(rest.map((f) => f.event_id)).toEqual(rest.map((_, i) => last + 1 + i));
    expect([...seen, ...rest].filter((f) => f.type === "token").map((f) => f.content).join("")).toBe(words(40));
    expect(rest.at(-1)).toMatchObject({ type: "end", status: "success", thread_id: "ws-join" });

    // Nothing runs on it now; another owner's thread of that name is none of Bob's.
    again.send({ type: "join", ref: "idle", thread_id: "ws-join" });
    expect(await again.frame((f) => f.ref === "idle")).toEqual({ type: "no_active_run", thread_id: "ws-join", ref: "idle" });
    const bob = await open({ key: BOB });
    bob.send({ type: "join", ref: "peek", thread_id: "ws-join", last_event_id: 0 });
    expect(await bob.frame((f) => f.ref === "peek")).toMatchObject({ type: "error", code: "not_found", status: 404 });
  });

  it("answers bad frames with an error frame naming what was wrong, and the socket goes on", async () => {
    const socket = await open();
    socket.ws.send("{not json");
    socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    socket.send({ type: "shout", ref: "r1" });
    socket.send({ type: "chat", ref: "r2", message: "  " });
    socket.send({ type: "chat", ref: "r3", message: "hi", colour: "red" });
    socket.send({ type: "chat", ref: "r4", message: "hi", resume: { decisions: [] } });
    socket.send({ type: "join", ref: "r5", thread_id: "../x" });
    await vi.waitFor(() => expect(socket.frames).toHaveLength(7));
    const [json, binary, ...rest] = socket.frames;
    expect(json).toMatchObject({ type: "error", code: "invalid_request", status: 400, title: "Invalid request", invalid_params: [{ name: "frame", reason: "malformed JSON" }] });
    expect(json.message).toBe(json.detail);
    expect(binary).toMatchObject({ status: 400, invalid_params: [{ name: "frame", reason: expect.stringMatching(/text frame/) }] });
    expect(rest.map((f) => [f.ref, f.invalid_params.map((p: any) => p.name)])).toEqual([["r1", ["type"]], ["r2", ["message"]], ["r3", ["colour"]], ["r4", ["resume"]], ["r5", ["thread_id"]]]);
    // Still open, and still serving turns.
    socket.send({ type: "chat", ref: "ok", message: "still there?" });
    const start = await socket.frame((f) => f.ref === "ok");
    expect((await socket.run(start.run_id)).filter((f) => f.type === "message").map((f) => f.content)).toEqual(["still there?", "You said still there?"]);
  });

  it("closes the socket with 1009 on a frame larger than a chat request may be", async () => {
    const socket = await open();
    socket.send({ type: "chat", message: "x".repeat(1_100_000) });
    expect((await socket.closed).code).toBe(1009);
  });

  it("answers a frame the run manager refuses (a busy thread) with its problem", async () => {
    const socket = await open();
    socket.send({ type: "chat", thread_id: "ws-busy", message: "long 30" });
    const start = await socket.frame((f) => f.type === "start" && f.thread_id === "ws-busy");
    socket.send({ type: "chat", ref: "again", thread_id: "ws-busy", message: "me too" });
    expect(await socket.frame((f) => f.ref === "again")).toMatchObject({ type: "error", code: "conflict", status: 409, running_run_id: start.run_id });
    await socket.run(start.run_id);
  });

  it("authenticates by a first auth frame when the upgrade carries no credentials, never by a key in the URL", async () => {
    const socket = await open({});
    socket.send({ type: "auth", api_key: BOB, ref: "hello" });
    expect(await socket.frame((f) => f.ref === "hello")).toEqual({ type: "authenticated", ref: "hello" });
    socket.send({ type: "chat", ref: "bob", message: "from bob" });
    const start = await socket.frame((f) => f.ref === "bob");
    await socket.run(start.run_id);
    const { rows } = await t.db.pool.query("SELECT t.user_id FROM runs r JOIN threads t USING (thread_id) WHERE r.run_id = $1", [start.run_id]);
    expect(rows).toEqual([{ user_id: "bob" }]);

    const inUrl = await refusedUpgrade(t.url, { path: `/api/ws?api_key=${ALICE}` });
    expect(inUrl.status).toBe(400);
    expect(inUrl.body.detail).toMatch(/never in the URL/);
    expect(inUrl.body.invalid_params).toEqual([{ name: "api_key", reason: "unknown field" }]);

    expect((await refusedUpgrade(t.url, { key: "not-a-key" })).status).toBe(401);

    for (const first of [{ type: "chat", message: "let me in" }, { type: "auth", api_key: "not-a-key" }]) {
      const refused = await open({});
      refused.send(first);
      expect(await refused.closed).toEqual({ code: 1008, reason: "unauthorized" });
      expect(refused.frames).toEqual([expect.objectContaining({ type: "error", code: "unauthorized", status: 401 })]);
    }
  });

  it("refuses the upgrade from a page of another site, unless CORS allows it, and a plain GET", async () => {
    const refused = await refusedUpgrade(t.url, { key: ALICE, origin: "https://evil.example" });
    expect(refused).toMatchObject({ status: 403, body: { type: "about:blank#forbidden_origin" } });
    // A page of this machine is allowed by default (CORS_ORIGINS empty).
    await open({ key: ALICE, origin: "http://localhost:5173" });
    const plain = await fetch(`${t.url}/api/ws`, { headers: { authorization: `Bearer ${ALICE}` } });
    expect(plain.status).toBe(400);
    expect((await plain.json()).invalid_params).toEqual([{ name: "upgrade", reason: "must be websocket" }]);
  });

  it("keeps the thread's tenancy as POST /api/chat does: another user's thread id is a thread of their own", async () => {
    const alice = await open();
    alice.send({ type: "chat", thread_id: "ws-shared-name", message: "alice's" });
    await alice.run((await alice.frame((f) => f.type === "start" && f.thread_id === "ws-shared-name")).run_id);
    const bob = await open({ key: BOB });
    bob.send({ type: "chat", thread_id: "ws-shared-name", message: "bob's" });
    const frames = await bob.run((await bob.frame((f) => f.type === "start")).run_id);
    // Bob's model call saw only his own message.
    expect(frames.filter((f) => f.type === "message").map((f) => f.content)).toEqual(["bob's", "You said bob's"]);
    expect(t.mock.requests.at(-1)!.messages.filter((m) => m.role === "user").map((m) => m.content)).toEqual(["bob's"]);
  });

  // The client stops reading (a paused socket over a unix socket, whose buffers are small): frames wait
  // up to SSE_MAX_BUFFER_BYTES, then the client is cut with 4008; the run goes on and is saved whole.
  it("cuts a client that does not read once its send buffer is full, with 4008, and the run completes", async () => {
    const socketPath = path.join(os.tmpdir(), `threadloom-ws-${process.pid}-${Date.now()}.sock`);
    const server = http.createServer(t.service.app);
    t.service.attach(server);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const ws = new WebSocket(`ws+unix://${socketPath}:/api/ws`, { headers: { authorization: `Bearer ${ALICE}` } });
      await new Promise((resolve) => ws.once("open", resolve));
      ws.pause();
      ws.send(JSON.stringify({ type: "chat", thread_id: "ws-slow", message: "huge" }));
      const cut = await vi.waitFor(() => {
        const found = logs.find((l) => l.msg === "cut a WebSocket client that reads too slowly");
        expect(found).toBeDefined();
        return found!;
      }, { timeout: 15_000, interval: 50 });
      expect(cut.bufferedBytes).toBeLessThanOrEqual(MAX_BUFFER_BYTES);
      expect(cut.bufferedBytes + cut.frameBytes).toBeGreaterThan(MAX_BUFFER_BYTES);
      const frames: any[] = [];
      ws.on("message", (data) => frames.push(JSON.parse(String(data))));
      const closed = new Promise<number>((resolve) => ws.once("close", resolve));
      ws.resume();
      expect(await closed).toBe(4008);
      expect(frames[0]).toMatchObject({ type: "start", thread_id: "ws-slow" });
      expect(frames.some((f) => f.type === "end")).toBe(false);
      expect(await runStatus(frames[0].run_id)).toBe("success");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  // Last: it stops the service.
  it("on shutdown lets the runs finish and be recorded, then closes each socket with 1013", async () => {
    const socket = await open();
    socket.send({ type: "chat", thread_id: "ws-shutdown", message: "long 20" });
    const start = await socket.frame((f) => f.type === "start" && f.thread_id === "ws-shutdown");
    closed = true;
    await t.close({ allowActiveRuns: true, graceMs: 15_000 });
    expect(await socket.closed).toEqual({ code: 1013, reason: "the service is shutting down: reconnect and join" });
    expect(socket.frames.at(-1)).toMatchObject({ type: "end", run_id: start.run_id, status: "success" });
    const { rows } = await t.db.pool.query("SELECT status FROM runs WHERE run_id = $1", [start.run_id]);
    expect(rows).toEqual([{ status: "success" }]);
  });
});
