import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ChatTurn } from "./helpers/chat-load.js";
import { checkpointMessages, expectMirrorMatchesCheckpoint } from "./helpers/checkpoint-state.js";
import { DatabaseOutage } from "./helpers/database-outage.js";
import { toolThenAnswer } from "./helpers/mock-openai.js";
import { SseReader } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const CLIENTS = 6;
const BLIPS = 3;
const BLIP_MS = 3_000;

/** What a client saw of one POST /api/chat. */
type Turn = ChatTurn;

describe("the database refused for 3 s under load, three times", () => {
  let t: TestService;
  let outage: DatabaseOutage;
  const escaped: unknown[] = [];
  const collect = (err: unknown) => void escaped.push(err);
  beforeAll(async () => {
    process.on("unhandledRejection", collect);
    process.on("uncaughtException", collect);
    t = await startTestService({ script: toolThenAnswer(8), env: { RUN_QUEUE_POLL_MS: "300" } });
    outage = new DatabaseOutage(t.db.name);
  });
  afterAll(async () => {
    process.off("unhandledRejection", collect);
    process.off("uncaughtException", collect);
    await t?.close();
  });

  it("keeps the service up: acknowledged turns saved once, runs hit end with database_unavailable, 503 + Retry-After meanwhile, nothing stuck", async () => {
    const turns: Turn[] = [];
    let stopping = false;

    async function turn(client: number, n: number): Promise<Turn> {
      const message = `client ${client} turn ${n}`;
      const res = await fetch(`${t.url}/api/chat`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message, thread_id: `outage-${client}` }),
      });
      const done: Turn = { client, message, status: res.status, contentType: res.headers.get("content-type"), retryAfter: res.headers.get("retry-after") };
      if (res.status !== 200) {
        await res.text();
        return done;
      }
      const reader = new SseReader(res);
      while (await reader.next());
      done.start = reader.events.find((e) => e.event === "start")?.data;
      done.last = reader.events.at(-1);
      return done;
    }

    // Each client sends turn after turn on its own thread; refused or busy, it tries again shortly.
    const clients = Array.from({ length: CLIENTS }, async (_, client) => {
      for (let n = 1; !stopping; n++) {
        const done = await turn(client, n);
        turns.push(done);
        if (done.status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
    });
    const answered = () => turns.filter((x) => x.last?.event === "end").length;
    const answeredBy = (client: number) => turns.filter((x) => x.client === client && x.last?.event === "end").length;
    const lostDatabase = () => turns.filter((x) => x.last?.event === "error" && x.last.data.code === "database_unavailable").length;
    const refused = () => turns.filter((x) => x.status === 503).length;

    async function blips(): Promise<void> {
      for (let blip = 0; blip < BLIPS; blip++) {
        // Under load: every client has had an answer since the last blip (or since it began).
        const since = Array.from({ length: CLIENTS }, (_, c) => answeredBy(c));
        await vi.waitFor(() => expect(since.every((n, c) => answeredBy(c) > n)).toBe(true), { timeout: 30_000, interval: 50 });
        const before = { lost: lostDatabase(), refused: refused() };
        const began = Date.now();
        await outage.begin();
        const ready = await fetch(`${t.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(ready.headers.get("retry-after")).toMatch(/^\d+$/);
        // Runs were hit (stopped with the error) and requests refused, in this blip.
        await vi.waitFor(() => expect(lostDatabase() > before.lost && refused() > before.refused).toBe(true), { timeout: 20_000, interval: 50 });
        await new Promise((r) => setTimeout(r, Math.max(0, BLIP_MS - (Date.now() - began))));
        await outage.end();
        await vi.waitFor(async () => expect((await fetch(`${t.url}/readyz`)).status).toBe(200), { timeout: 20_000, interval: 100 });
      }
      const after = Array.from({ length: CLIENTS }, (_, c) => answeredBy(c));
      await vi.waitFor(() => expect(after.every((n, c) => answeredBy(c) > n)).toBe(true), { timeout: 30_000, interval: 50 });
    }
    try {
      await blips();
    } finally {
      stopping = true;
      await outage.end();
    }
    await Promise.all(clients);

    // The process (here the app) lived through it: nothing escaped, and it answers.
    expect(escaped).toEqual([]);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(answered()).toBeGreaterThan(0);

    // Every answer was an end or the database's error; every refusal a 503 problem with Retry-After.
    for (const x of turns) {
      if (x.status === 200 && !x.start) {
        // Its input was never committed (the database refused it): no start, only how it ended.
        expect(x.last, `${x.message}: not acknowledged`).toMatchObject({ event: "error", data: { code: "database_unavailable" } });
      } else if (x.status === 200) {
        if (x.last!.event === "end") expect(x.last!.data.status).toBe("success");
        else expect(x.last).toMatchObject({ event: "error", data: { code: "database_unavailable" } });
      } else {
        expect([409, 503], `${x.message}: ${x.status}`).toContain(x.status);
        expect(x.contentType).toMatch(/^application\/problem\+json/);
        if (x.status === 503) expect(x.retryAfter).toMatch(/^\d+$/);
      }
    }

    // Nothing stuck: every run recorded, no thread busy.
    await vi.waitFor(async () => {
      expect(t.service.runs.activeCount).toBe(0);
      const { rows } = await t.db.pool.query("SELECT count(*)::int AS n FROM runs WHERE status IN ('running', 'pending')");
      expect(rows[0].n).toBe(0);
    }, { timeout: 30_000, interval: 200 });
    const { rows: busy } = await t.db.pool.query("SELECT thread_id FROM threads WHERE status = 'busy'");
    expect(busy).toEqual([]);

    // Each acknowledged turn is in the checkpoint state exactly once, and the mirror equals it; a
    // refused one is in neither. A run's record says what its client was told.
    const { rows: threads } = await t.db.pool.query("SELECT thread_id, client_thread_id FROM threads");
    expect(threads).toHaveLength(CLIENTS);
    const { rows: runs } = await t.db.pool.query("SELECT run_id, status, error->>'code' AS code FROM runs");
    const runById = new Map(runs.map((r) => [r.run_id, r]));
    for (const { thread_id: threadId, client_thread_id: name } of threads) {
      await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
      const said = (await checkpointMessages(t.db.pool, threadId)).filter((m) => m.role === "user").map((m) => m.content);
      for (const x of turns.filter((x) => `outage-${x.client}` === name)) {
        const saved = said.filter((c) => c === x.message).length;
        // Acknowledged: there once. Not: at most once — an input whose commit's reply the outage cut
        // is saved though its client heard only the error (README: What happens when things go wrong).
        if (x.start) expect(saved, `${x.message} (acknowledged) in ${said.join(", ")}`).toBe(1);
        else expect(saved, `${x.message} (${x.status}, not acknowledged) in ${said.join(", ")}`).toBeLessThanOrEqual(x.status === 200 ? 1 : 0);
        if (!x.start) continue;
        const run = runById.get(x.start.run_id);
        expect(run, x.message).toMatchObject(x.last!.event === "end" ? { status: "success", code: null } : { status: "error", code: "database_unavailable" });
      }
    }

    // The threads take turns again.
    for (let client = 0; client < CLIENTS; client++) expect((await turn(client, 0)).last).toMatchObject({ event: "end", data: { status: "success" } });
  }, 180_000);

  // The Agent Server stream of a run the outage stopped gets its error event; the events it wrote
  // meanwhile are kept and saved once the database is back, so joining the run replays them all.
  it("ends an Agent Server run's stream with database_unavailable and saves its events once the database is back", async () => {
    const post = (path: string, body: unknown) => fetch(`${t.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const { thread_id: threadId } = await (await post("/threads", {})).json();
    const res = await post(`/threads/${threadId}/runs/stream`, { assistant_id: "chat", input: { messages: [{ role: "user", content: "agent turn" }] }, stream_mode: ["values", "messages-tuple"] });
    expect(res.status).toBe(200);
    const runId = res.headers.get("content-location")!.split("/").at(-1)!;
    const live = new SseReader(res);
    for (let e = await live.next(); e?.event !== "messages"; e = await live.next()) expect(e).not.toBeNull();
    await outage.begin();
    try {
      let e = await live.next();
      while (e && e.event !== "error") e = await live.next();
      expect(e).toMatchObject({ event: "error", data: { error: "database_unavailable", message: expect.stringContaining("database") } });
    } finally {
      await outage.end();
    }
    while (await live.next());
    const { rows } = await t.db.pool.query("SELECT r.status, r.error->>'code' AS code, t.status AS thread FROM runs r JOIN threads t USING (thread_id) WHERE run_id = $1", [runId]);
    expect(rows).toEqual([{ status: "error", code: "database_unavailable", thread: "error" }]);
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect((await checkpointMessages(t.db.pool, threadId)).filter((m) => m.role === "user").map((m) => m.content)).toEqual(["agent turn"]);
    const joined = new SseReader(await fetch(`${t.url}/threads/${threadId}/runs/${runId}/stream`));
    while (await joined.next());
    expect(joined.events.map((e) => e.id)).toEqual(live.events.map((e) => e.id));
    expect(joined.events.at(-1)).toMatchObject({ event: "error", data: { error: "database_unavailable" } });
  });
});
