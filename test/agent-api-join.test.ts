import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "@langchain/langgraph-sdk";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Notifier } from "../src/runs/notifier.js";
import { RunEventLog } from "../src/runs/run-event-log.js";
import { startMockOpenAI, type MockOpenAI } from "./helpers/mock-openai.js";
import { ALICE } from "./helpers/sdk-clients.js";
import { startServiceProcess, type ServiceProcess } from "./helpers/service-process.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

/** One event as the SDK yields it: its SSE id, name and parsed data. */
interface StreamedEvent {
  id?: string;
  event: string;
  data: any;
}

type Values = { messages: { type: string; content: string }[] };

const STREAM_MODE: ("values" | "messages-tuple")[] = ["values", "messages-tuple"];
const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(" ");
const userInput = (content: string) => ({ messages: [{ role: "user", content }] });
const tokens = (events: StreamedEvent[]) => events.filter((e) => e.event === "messages").map((e) => e.data[0].content as string).join("");
const ids = (events: StreamedEvent[]) => events.map((e) => Number(e.id));
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

async function collect(stream: AsyncIterable<StreamedEvent>, onEvent?: (e: StreamedEvent, all: StreamedEvent[]) => unknown): Promise<StreamedEvent[]> {
  const events: StreamedEvent[] = [];
  for await (const e of stream) {
    events.push(e);
    await onEvent?.(e, events);
  }
  return events;
}

/** The workers alive on the database: each renews its lease's row before it expires. */
async function liveWorkers(db: TestDatabase): Promise<number[]> {
  const { rows } = await db.pool.query("SELECT worker_id FROM workers WHERE expires_at > now()");
  return rows.map((r) => Number(r.worker_id));
}

// Two app instances on one database, as replicas run: the run log and the queue live in PostgreSQL.
describe("Agent Server runs across connections and processes", () => {
  let a: TestService;
  let b: TestService;
  let clientA: Client;
  let clientB: Client;
  beforeAll(async () => {
    const env = { API_KEYS: `${ALICE}:tenantA:alice` };
    // A takes one queued run at a time; B looks at the queue often, as it is not told when a thread frees.
    a = await startTestService({ env: { ...env, RUN_QUEUE_CONCURRENCY: "1" } });
    b = await startTestService({ db: a.db, mock: a.mock, env: { ...env, RUN_QUEUE_POLL_MS: "200" } });
    const client = (url: string) => new Client({ apiUrl: url, apiKey: ALICE, callerOptions: { maxRetries: 0 } });
    clientA = client(a.url);
    clientB = client(b.url);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("joinStream with Last-Event-ID after a dropped connection sends exactly the rest; without it, everything", async () => {
    const thread = await clientA.threads.create();
    const reply = words("tok", 40);
    a.mock.script({ text: reply, tokenDelayMs: 25 });
    const controller = new AbortController();
    const before: StreamedEvent[] = [];
    const stream = clientA.runs.stream(thread.thread_id, "chat", {
      input: userInput("tell me something long"), streamMode: STREAM_MODE, onDisconnect: "continue", streamResumable: true, signal: controller.signal,
    });
    for await (const e of stream) {
      before.push(e);
      if (before.filter((x) => x.event === "messages").length === 5) {
        controller.abort();
        break;
      }
    }
    expect(before[0]).toMatchObject({ id: "0", event: "metadata", data: { run_id: expect.any(String), attempt: 1 } });
    expect(ids(before)).toEqual(range(0, before.length));
    const runId = before[0]!.data.run_id as string;
    const lastEventId = before.at(-1)!.id!;
    // The client left; with on_disconnect continue the run goes on without it.
    expect((await clientA.runs.get(thread.thread_id, runId)).status).toBe("running");

    const after = await collect(clientA.runs.joinStream(thread.thread_id, runId, { lastEventId }));
    expect(ids(after)).toEqual(range(Number(lastEventId) + 1, after.length));
    expect(tokens(before) + tokens(after)).toBe(reply);
    expect((after.filter((e) => e.event === "values").at(-1)!.data as Values).messages.map((m) => m.content)).toEqual(["tell me something long", reply]);
    expect((await clientA.runs.get(thread.thread_id, runId)).status).toBe("success");

    const replay = await collect(clientA.runs.joinStream(thread.thread_id, runId));
    expect(replay).toEqual([...before, ...after]);
    // The run was executed once: the model was asked once.
    expect(a.mock.requests.filter((r) => r.messages.some((m: { content: string }) => m.content === "tell me something long"))).toHaveLength(1);
  });

  it("another instance on the same database serves joinStream and join, live, with the same events", async () => {
    const thread = await clientA.threads.create();
    const reply = words("live", 40);
    a.mock.script({ text: reply, tokenDelayMs: 30 });
    const run = await clientA.runs.create(thread.thread_id, "chat", { input: userInput("join me elsewhere"), streamMode: STREAM_MODE });

    let statusAtFirstToken: string | undefined;
    let tail: Promise<StreamedEvent[]> | undefined;
    let tailAfter = -1;
    const onA = collect(clientA.runs.joinStream(thread.thread_id, run.run_id));
    const joinedOnB = clientB.runs.join(thread.thread_id, run.run_id);
    const onB = collect(clientB.runs.joinStream(thread.thread_id, run.run_id), async (e, all) => {
      if (e.event !== "messages") return;
      statusAtFirstToken ??= (await clientB.runs.get(thread.thread_id, run.run_id)).status;
      // Mid-run, a second client of B continues after the event it has.
      if (all.filter((x) => x.event === "messages").length === 5) {
        tailAfter = Number(e.id);
        tail = collect(clientB.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: e.id }));
      }
    });
    const [fromA, fromB, joined] = await Promise.all([onA, onB, joinedOnB]);

    expect(statusAtFirstToken).toBe("running");
    expect(fromA[0]).toMatchObject({ id: "0", event: "metadata", data: { run_id: run.run_id, attempt: 1 } });
    expect(ids(fromA)).toEqual(range(0, fromA.length));
    expect(tokens(fromA)).toBe(reply);
    expect(fromB).toEqual(fromA);
    expect(tail).toBeDefined();
    expect(await tail!).toEqual(fromA.filter((e) => Number(e.id) > tailAfter));
    const lastValues = fromA.filter((e) => e.event === "values").at(-1)!.data as Values;
    expect(joined).toEqual(lastValues);
    expect(lastValues.messages.map((m) => [m.type, m.content])).toEqual([["human", "join me elsewhere"], ["ai", reply]]);
    expect((await clientB.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
  });

  // Proves a failed run's error reads the same from any instance: our code and sentence, never the
  // provider's body (B reads the run's record, A its own result).
  it("join on another instance answers a failed run's error as its own instance does", async () => {
    const thread = await clientA.threads.create();
    a.mock.script((req) => ({ httpStatus: 401, errorMessage: `Incorrect API key provided: ${req.headers.authorization}` }));
    const failed = { __error__: { error: "model_auth_failed", message: `The model server at ${new URL(a.mock.baseURL).origin} did not accept the API key (HTTP 401): check OPENAI_API_KEY.` } };
    const run = await clientA.runs.create(thread.thread_id, "chat", { input: userInput("who am I?") });
    expect(await clientA.runs.join(thread.thread_id, run.run_id)).toEqual(failed);
    expect(await clientB.runs.join(thread.thread_id, run.run_id)).toEqual(failed);
    a.mock.script({ text: "mock reply" });
  });

  it("shares the queue: runs queued through A are executed by B too, one running run per thread", async () => {
    a.mock.script((req) => {
      const asked = String(req.messages.filter((m: { role: string }) => m.role === "user").at(-1)?.content ?? "");
      return asked.startsWith("block") ? { text: words("b", 30), tokenDelayMs: 40 } : { text: `done ${asked} ${words("q", 19)}`, tokenDelayMs: 40 };
    });
    const threads = await Promise.all(range(0, 4).map(() => clientA.threads.create()));
    // Each thread is busy with a first run (started on A at once), so the second one waits in the queue.
    const blockers = [];
    for (const t of threads) blockers.push(await clientA.runs.create(t.thread_id, "chat", { input: userInput("block") }));
    const queued = [];
    for (const [i, t] of threads.entries()) queued.push(await clientA.runs.create(t.thread_id, "chat", { input: userInput(`queued-${i}`) }));
    expect(queued.map((r) => r.status)).toEqual(["pending", "pending", "pending", "pending"]);

    let watching = true;
    const doubleRunning: unknown[] = [];
    const watcher = (async () => {
      while (watching) {
        const { rows } = await a.db.pool.query("SELECT thread_id, count(*)::int AS n FROM runs WHERE status = 'running' GROUP BY thread_id HAVING count(*) > 1");
        doubleRunning.push(...rows);
        await sleep(20);
      }
    })();
    const results = (await Promise.all(queued.map((r) => clientA.runs.join(r.thread_id, r.run_id)))) as Values[];
    watching = false;
    await watcher;

    expect(results.map((v) => v.messages.at(-1)!.content.split(" ").slice(0, 2).join(" "))).toEqual(range(0, 4).map((i) => `done queued-${i}`));
    for (const r of [...blockers, ...queued]) expect((await clientA.runs.get(r.thread_id, r.run_id)).status).toBe("success");
    expect(doubleRunning).toEqual([]);

    const { rows } = await a.db.pool.query(
      "SELECT run_id, thread_id, worker_id, started_at, ended_at FROM runs WHERE run_id = ANY($1::uuid[])",
      [[...blockers, ...queued].map((r) => r.run_id)],
    );
    const row = (runId: string) => rows.find((r) => r.run_id === runId)!;
    const workerA = row(blockers[0]!.run_id).worker_id;
    expect(new Set(blockers.map((r) => row(r.run_id).worker_id))).toEqual(new Set([workerA]));
    const workers = await liveWorkers(a.db);
    expect(workers).toHaveLength(2);
    const workerB = workers.find((w) => w !== workerA);
    const queuedRows = queued.map((r) => row(r.run_id));
    expect(queuedRows.every((r) => r.worker_id === workerA || r.worker_id === workerB)).toBe(true);
    expect(queuedRows.filter((r) => r.worker_id === workerB).length, "instance B executed none of the queued runs").toBeGreaterThan(0);
    // Each thread's second run started after its first had ended.
    for (const [i, q] of queuedRows.entries()) expect(q.started_at.getTime()).toBeGreaterThanOrEqual(row(blockers[i]!.run_id).ended_at.getTime());
    // A, with a concurrency of 1, never ran two queued runs at once.
    const onA = queuedRows.filter((r) => r.worker_id === workerA).sort((x, y) => x.started_at - y.started_at);
    for (let i = 1; i < onA.length; i++) expect(onA[i]!.started_at.getTime()).toBeGreaterThanOrEqual(onA[i - 1]!.ended_at.getTime());
  });

  it("prunes the events of runs finished before the retention, keeps a running run's, and a pruned run joins empty", async () => {
    const logger = pino({ level: "silent" });
    const notifier = await Notifier.connect(a.db.url, logger);
    try {
      const eventLog = new RunEventLog(a.db.pool, notifier, logger);
      a.mock.script({ text: "short answer" });
      const old = await clientA.threads.create();
      await clientA.runs.wait(old.thread_id, "chat", { input: userInput("old run") });
      const [oldRun] = await clientA.runs.list(old.thread_id);
      const recent = await clientA.threads.create();
      await clientA.runs.wait(recent.thread_id, "chat", { input: userInput("recent run") });
      const [recentRun] = await clientA.runs.list(recent.thread_id);
      a.mock.script({ text: words("s", 10), stallAfterTokens: 3 });
      const busy = await clientA.threads.create();
      const running = await clientA.runs.create(busy.thread_id, "chat", { input: userInput("still running"), streamMode: STREAM_MODE });
      const count = async (runId: string) => (await a.db.pool.query("SELECT count(*)::int AS n FROM run_events WHERE run_id = $1", [runId])).rows[0].n as number;
      await vi.waitFor(async () => expect(await count(running.run_id)).toBeGreaterThanOrEqual(4), { timeout: 10_000 });
      // Ages set in the table: older than the 10 minutes kept below, but younger than the instances'
      // own retention (1 hour), so their upkeep leaves them alone.
      const age = (runId: string, interval: string) => a.db.pool.query(`UPDATE run_events SET created_at = now() - interval '${interval}' WHERE run_id = $1`, [runId]);
      await age(oldRun!.run_id, "30 minutes");
      await age(running.run_id, "30 minutes");
      await age(recentRun!.run_id, "10 seconds");
      const oldCount = await count(oldRun!.run_id);
      const recentCount = await count(recentRun!.run_id);
      const runningCount = await count(running.run_id);
      expect(oldCount).toBeGreaterThan(0);

      expect(await eventLog.prune(10 * 60_000)).toBe(oldCount);
      expect(await count(oldRun!.run_id)).toBe(0);
      expect(await count(recentRun!.run_id)).toBe(recentCount);
      expect(await count(running.run_id)).toBeGreaterThanOrEqual(runningCount);
      expect(await collect(clientA.runs.joinStream(old.thread_id, oldRun!.run_id))).toEqual([]);
      expect(await collect(clientB.runs.joinStream(old.thread_id, oldRun!.run_id))).toEqual([]);
      expect((await clientB.runs.get(old.thread_id, oldRun!.run_id)).status).toBe("success");

      // The configured retention, through an instance's own upkeep (its first one prunes).
      const c = await startTestService({ db: a.db, mock: a.mock, env: { API_KEYS: `${ALICE}:tenantA:alice`, RUN_EVENTS_RETENTION_MS: "1000", RUN_QUEUE_POLL_MS: "100" } });
      try {
        await vi.waitFor(async () => expect(await count(recentRun!.run_id)).toBe(0), { timeout: 5_000 });
        expect(await count(running.run_id)).toBeGreaterThanOrEqual(runningCount);
      } finally {
        await c.close();
      }
      const stillThere = await collect(clientB.runs.joinStream(busy.thread_id, running.run_id), (e) => {
        if (e.event === "messages") void clientA.runs.cancel(busy.thread_id, running.run_id);
      });
      expect(stillThere[0]).toMatchObject({ id: "0", event: "metadata", data: { run_id: running.run_id } });
      expect((await clientA.runs.get(busy.thread_id, running.run_id)).status).toBe("interrupted");
    } finally {
      await notifier.close();
    }
  });
});

// A process killed mid-run: the next process to start queues the run again (attempt 2) or, out of
// attempts, marks it failed. Never `running` forever.
describe("runs of a process that died", () => {
  const children: ServiceProcess[] = [];
  const mocks: MockOpenAI[] = [];
  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
    for (const m of mocks) await m.close();
  });

  interface Crashed {
    db: TestDatabase;
    mock: MockOpenAI;
    threadId: string;
    runId: string;
    before: StreamedEvent[];
  }

  /** A background run on a real service process, streaming slowly, and the process SIGKILLed mid-run. */
  async function crashMidRun(): Promise<Crashed> {
    const db = await createTestDatabase();
    const mock = await startMockOpenAI({ text: words("slow", 100), tokenDelayMs: 50 });
    mocks.push(mock);
    // A short lease: its runs are reaped that long after the kill (no sooner: a dropped session is no death).
    const env: NodeJS.ProcessEnv = {
      ...process.env, DATABASE_URL: db.url, OPENAI_BASE_URL: mock.baseURL, OPENAI_API_KEY: "x", OPENAI_MODEL: "mock-model", OPENAI_MAX_RETRIES: "0",
      LOG_LEVEL: "info", LEASE_TTL_MS: "4000",
    };
    delete env.API_KEYS;
    const child = await startServiceProcess(env);
    children.push(child);
    const client = new Client({ apiUrl: child.url, callerOptions: { maxRetries: 0 } });
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "chat", { input: userInput("tell me a long story"), streamMode: STREAM_MODE });
    const controller = new AbortController();
    const before: StreamedEvent[] = [];
    for await (const e of client.runs.joinStream(thread.thread_id, run.run_id, { signal: controller.signal })) {
      before.push(e);
      if (before.filter((x) => x.event === "messages").length === 5) {
        controller.abort();
        break;
      }
    }
    // Killed as soon as the client has its fifth token.
    child.child.kill("SIGKILL");
    await once(child.child, "exit");
    const { rows } = await db.pool.query("SELECT status, attempt FROM runs WHERE run_id = $1", [run.run_id]);
    expect(rows).toEqual([{ status: "running", attempt: 1 }]);
    // The model was streaming: the run's input checkpoints were written, so a retry has them to continue from.
    const checkpoints = await db.pool.query("SELECT 1 FROM langgraph.checkpoints WHERE thread_id = $1 AND metadata->>'run_id' = $2", [thread.thread_id, run.run_id]);
    expect(checkpoints.rows.length).toBeGreaterThan(0);
    // The dead process renews its lease no more: it expires.
    await vi.waitFor(async () => expect(await liveWorkers(db)).toEqual([]), { timeout: 20_000 });
    return { db, mock, threadId: thread.thread_id, runId: run.run_id, before };
  }

  let retried: Crashed;
  let failed: Crashed;
  beforeAll(async () => {
    [retried, failed] = await Promise.all([crashMidRun(), crashMidRun()]);
  });

  it("the next process runs it again as attempt 2, from its checkpoints, to success; clients rejoin it there", async () => {
    const { db, mock, threadId, runId, before } = retried;
    const recovered = words("again", 10);
    mock.script({ text: recovered, tokenDelayMs: 40 });
    const t = await startTestService({ db, mock });
    try {
      const client = new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 } });
      // The client that lost its connection with the process rejoins on the new one, after the last
      // event it has; once the retry streams there, a second client joins from the start.
      const lastSeen = Number(before.at(-1)!.id);
      let fromStart: Promise<StreamedEvent[]> | undefined;
      const resumed = await collect(client.runs.joinStream(threadId, runId, { lastEventId: String(lastSeen) }), () => {
        fromStart ??= collect(client.runs.joinStream(threadId, runId));
      });
      const live = await fromStart!;
      expect(await client.runs.get(threadId, runId)).toMatchObject({ status: "success", attempt: 2 });
      const replay = await collect(client.runs.joinStream(threadId, runId));

      // The first attempt's events as saved, then the second's, numbered from a block of their own:
      // the dead process may have sent events it had not saved yet (up to one batch), and their ids
      // must never name other events.
      const metadata = replay.filter((e) => e.event === "metadata");
      expect(metadata.map((e) => e.data)).toEqual([{ run_id: runId, attempt: 1 }, { run_id: runId, attempt: 2 }]);
      const second = replay.indexOf(metadata[1]!);
      expect(ids(replay.slice(0, second))).toEqual(range(0, second));
      expect(ids(replay.slice(second))).toEqual(range(10_000_000, replay.length - second));
      expect(tokens(replay.slice(second))).toBe(recovered);
      // Independent properties of the rejoin, each reported: what was saved of the first attempt is
      // what the client was sent; the resumed client hears of the new attempt; a join from the start
      // gets every event.
      // (The process may also have saved events the client had not read yet when it was killed.)
      const common = Math.min(before.length, second);
      expect.soft(before.slice(0, common), "the saved events are those the client was sent").toEqual(replay.slice(0, common));
      expect.soft(resumed.filter((e) => e.event === "metadata").map((e) => e.data), "the resumed client's metadata").toEqual([{ run_id: runId, attempt: 2 }]);
      expect.soft(resumed).toEqual(replay.filter((e) => Number(e.id) > lastSeen));
      expect.soft(ids(live), "a join from the start, served by the process running the retry").toEqual(ids(replay));
      expect(live).toEqual(replay);

      const state = await client.threads.getState<Values>(threadId);
      expect(state.values.messages.map((m) => [m.type, m.content])).toEqual([["human", "tell me a long story"], ["ai", recovered]]);
      const retryRequest = mock.requests.at(-1)!;
      expect(retryRequest.messages.filter((m: { role: string }) => m.role === "user").map((m: { content: string }) => m.content)).toEqual(["tell me a long story"]);
      const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM runs WHERE status IN ('pending', 'running')");
      expect(rows[0].n).toBe(0);
    } finally {
      await t.close();
    }
  });

  it("with RUN_MAX_ATTEMPTS=1 the next process marks it error instead", async () => {
    const { db, mock, threadId, runId, before } = failed;
    const requestsBefore = mock.requests.length;
    const t = await startTestService({ db, mock, env: { RUN_MAX_ATTEMPTS: "1" } });
    try {
      const client = new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 } });
      expect(await client.runs.get(threadId, runId)).toMatchObject({ status: "error", attempt: 1 });
      expect((await client.threads.get(threadId)).status).toBe("error");
      const events = await collect(client.runs.joinStream(threadId, runId));
      expect(ids(events)).toEqual(range(0, events.length));
      // What was saved before the crash: all but at most the last batch the client was sent, and
      // maybe events the client had not read yet when the process was killed.
      const common = Math.min(before.length, events.length);
      expect(before.slice(0, common)).toEqual(events.slice(0, common));
      expect(events.length).toBeGreaterThan(0);
      expect(events.filter((e) => e.event === "metadata").map((e) => e.data.attempt)).toEqual([1]);
      const { rows } = await db.pool.query("SELECT status, error->>'code' AS code FROM runs WHERE run_id = $1", [runId]);
      expect(rows).toEqual([{ status: "error", code: "worker_lost" }]);
      expect(mock.requests.length).toBe(requestsBefore);
    } finally {
      await t.close();
    }
  });
});

// A rolling deploy: the process stops with a run in flight; another one on the database finishes it.
describe("a run still going when its process shuts down", () => {
  it("goes back to the queue and another instance runs it to the end, as attempt 2, from its last checkpoint", async () => {
    const env = { API_KEYS: `${ALICE}:tenantA:alice` };
    // The model outlives the instance that stops.
    const mock = await startMockOpenAI();
    const a = await startTestService({ env, mock });
    const b = await startTestService({ db: a.db, mock, env });
    try {
      const client = (url: string) => new Client({ apiUrl: url, apiKey: ALICE, callerOptions: { maxRetries: 0 } });
      const [clientA, clientB] = [client(a.url), client(b.url)];
      const thread = await clientA.threads.create();
      mock.script({ text: words("slow", 40), tokenDelayMs: 50 });
      const run = await clientA.runs.create(thread.thread_id, "chat", { input: userInput("keep going"), streamMode: STREAM_MODE });
      // A runs it (the thread was free): wait until it streams there.
      const seen: StreamedEvent[] = [];
      const following = collect(clientA.runs.joinStream(thread.thread_id, run.run_id), (e, all) => {
        seen.push(e);
        return all;
      }).catch((err: Error) => err);
      await vi.waitFor(() => expect(tokens(seen).length).toBeGreaterThan(0), { timeout: 5_000 });
      const finished = words("again", 8);
      mock.script({ text: finished });

      await a.close({ allowActiveRuns: true, graceMs: 0 });
      // A's follower was cut rather than ended, so an SDK client would reconnect (at Location).
      expect(await following).toBeInstanceOf(Error);

      const values = (await clientB.runs.join(thread.thread_id, run.run_id)) as Values;
      expect(values.messages.map((m) => [m.type, m.content])).toEqual([["human", "keep going"], ["ai", finished]]);
      expect(await clientB.runs.get(thread.thread_id, run.run_id)).toMatchObject({ status: "success", attempt: 2 });
      const resumed = await collect(clientB.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: seen.at(-1)!.id }));
      expect(resumed[0]).toMatchObject({ event: "metadata", data: { run_id: run.run_id, attempt: 2 } });
      expect(tokens(resumed)).toBe(finished);
      // Nothing of the stopped reply was kept: the thread has the finished one only, once.
      const mirror = await (await fetch(`${b.url}/api/threads/${thread.thread_id}`, { headers: { authorization: `Bearer ${ALICE}` } })).json();
      expect(mirror.messages.map((m: { content: string }) => m.content)).toEqual(["keep going", finished]);
    } finally {
      await b.close();
      await a.close().catch(() => {});
      await mock.close();
    }
  });
});
