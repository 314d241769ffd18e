import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointMessages, mirrorMessages } from "./helpers/checkpoint-state.js";
import { openChat } from "./helpers/live-chat.js";
import { startMockOpenAI } from "./helpers/mock-openai.js";
import { killService, startCrashableService, untilLeasesExpired } from "./helpers/crashing-service.js";
import { chat, SseReader, type SseEvent } from "./helpers/sse-client.js";
import { createTestDatabase } from "./helpers/test-database.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const LONG_REPLY = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");

/** Waits for a condition, polling; no timing is asserted. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 20));
}

describe("an acknowledged message survives SIGKILL", () => {
  const services: TestService[] = [];
  afterAll(async () => {
    for (const s of services) await s.close();
  });

  // A run whose input checkpoint is refused (its claim was taken, as a reaper takes a run it believes
  // lost, while the write waited for a lock) acknowledged nothing: its input is not in the thread, so
  // its client must never see `start` or the echo of its message.
  it("sends no start when the input checkpoint was refused", async () => {
    const t = await startTestService();
    services.push(t);
    t.mock.script({ text: LONG_REPLY, tokenDelayMs: 20 });
    const locker = await t.db.pool.connect();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE langgraph.checkpoints IN SHARE ROW EXCLUSIVE MODE");
    let ending: Promise<SseEvent[]>;
    let threadId: string;
    try {
      const live = await openChat(t.url, { message: "never acknowledged" });
      threadId = live.threadId;
      ending = live.readToEnd();
      const waiting = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'threadloom'";
      await until(async () => (await t.db.pool.query(waiting)).rows[0].n === 1);
      await t.db.pool.query(`UPDATE runs SET status = 'error', ended_at = now(), error = '{"code": "worker_lost", "message": "reaped"}' WHERE thread_id = (SELECT thread_id FROM threads WHERE thread_id::text = $1 OR client_thread_id = $1)`, [threadId]);
    } finally {
      await locker.query("COMMIT");
      locker.release();
    }
    const events = await ending;
    expect(events.map((e) => e.event)).not.toContain("start");
    expect(events.filter((e) => e.event === "message" && e.data.role === "user")).toEqual([]);
    // How it ended is still said.
    expect(events.at(-1)).toMatchObject({ event: "error", data: { code: "worker_lost" } });
    expect((await checkpointMessages(t.db.pool, threadId)).filter((m) => m.content === "never acknowledged")).toEqual([]);
  });

  // LangGraph's first checkpoint of a run holds its input in `__start__` only; the step after it puts
  // the message in the state. Here that second write is held (a trigger waits for a lock the test
  // holds) while the first has committed, and the process is killed: the client saw no start, and
  // after the restart the message is in neither the state nor the mirror, or in both once.
  it("sends start only once the message is in a committed checkpoint's state", async () => {
    const db = await createTestDatabase();
    const mock = await startMockOpenAI({ text: LONG_REPLY, tokenDelayMs: 20 });
    const service = await startCrashableService(db, mock);
    await db.pool.query(`
      CREATE FUNCTION hold_first_step() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.checkpoint_ns = '' AND NEW.metadata->>'source' = 'loop' THEN PERFORM pg_advisory_xact_lock(7357); END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER hold_first_step BEFORE INSERT ON langgraph.checkpoints FOR EACH ROW EXECUTE FUNCTION hold_first_step();`);
    const locker = new pg.Client({ connectionString: db.url, application_name: "test-locker" });
    await locker.connect();
    await locker.query("SELECT pg_advisory_lock(7357)");

    const response = await fetch(`${service.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "held after its input checkpoint" }) });
    const threadId = response.headers.get("x-thread-id")!;
    const seen: string[] = [];
    const reading = (async () => {
      const reader = new SseReader(response);
      try {
        for (let e = await reader.next(); e; e = await reader.next()) seen.push(e.event);
      } catch {
        // The process died under the stream.
      }
    })();
    const waiting = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'threadloom' AND wait_event = 'advisory'";
    await until(async () => (await locker.query(waiting)).rows[0].n === 1);
    const { rows } = await locker.query("SELECT count(*)::int AS n FROM langgraph.checkpoints WHERE thread_id = $1 AND metadata->>'source' = 'input'", [threadId]);
    expect(rows[0].n).toBe(1);
    // Whatever the stream was going to say before the held write, it has had the time to say it.
    await new Promise((r) => setTimeout(r, 300));
    await killService(service);
    await reading;
    expect(seen).not.toContain("start");
    // The held write dies with its process, as a crash would lose it (only it: the test's own pool
    // is named as the service's connections are).
    await locker.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'");
    await locker.query("DROP TRIGGER hold_first_step ON langgraph.checkpoints");
    await locker.end();
    await untilLeasesExpired(db.pool);

    const t = await startTestService({ db, mock });
    services.push(t);
    expect((await fetch(`${t.url}/api/threads/${threadId}`)).status).toBe(200);
    const inState = (await checkpointMessages(db.pool, threadId)).filter((m) => m.content === "held after its input checkpoint");
    const inMirror = (await mirrorMessages(db.pool, threadId)).filter((m) => m.content === "held after its input checkpoint");
    expect(inMirror.length).toBe(inState.length);
    expect(inState.length).toBeLessThanOrEqual(1);
    await mock.close();
  }, 120_000);

  // The input checkpoint is made slow (a lock holds its INSERT) and the process is killed the moment
  // a `start` arrives. Whatever the timing, a turn the client saw start is in the thread afterwards;
  // the INSERTs the dead process left waiting are ended with it, as a crash would lose them.
  it("has every turn whose start was received in checkpoint state and mirror exactly once", async () => {
    const db = await createTestDatabase();
    const mock = await startMockOpenAI({ text: LONG_REPLY, tokenDelayMs: 20 });
    const service = await startCrashableService(db, mock);
    mock.script({ text: "first answer" });
    const earlier = (await chat(service.url, { message: "an earlier turn" })).headers.get("x-thread-id")!;
    mock.script({ text: LONG_REPLY, tokenDelayMs: 20 });

    const locker = new pg.Client({ connectionString: db.url, application_name: "test-locker" });
    await locker.connect();
    const observer = new pg.Client({ connectionString: db.url, application_name: "test-observer" });
    await observer.connect();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE langgraph.checkpoints IN SHARE ROW EXCLUSIVE MODE");

    const threadIds: (string | undefined)[] = [];
    const started = new Set<string>();
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      service.child.kill("SIGKILL");
    };
    const turns = [{ message: "turn on an existing thread", thread_id: earlier }, ...[1, 2, 3, 4].map((i) => ({ message: `new thread ${i}` }))];
    const streams = turns.map(async (body, i) => {
      try {
        const response = await fetch(`${service.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        threadIds[i] = response.headers.get("x-thread-id")!;
        const reader = new SseReader(response);
        for (let e = await reader.next(); e; e = await reader.next()) {
          if (e.event === "start") {
            started.add(threadIds[i]!);
            kill();
          }
        }
      } catch {
        // The process died under the stream.
      }
    });

    // Every turn's input checkpoint is on its way (its INSERT waits for the lock), or a start came first.
    const blocked = async () => {
      const { rows } = await observer.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'threadloom' AND wait_event_type = 'Lock'", [db.name]);
      return rows[0].n === turns.length;
    };
    await until(async () => killed || (await blocked()));
    let locked = true;
    if (!killed) {
      await locker.query("COMMIT");
      locked = false;
      await until(async () => killed);
    }
    await service.exited;
    // The INSERTs the dead process left waiting for the lock; not the test's own pool, named as the service's connections are.
    await observer.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'threadloom%' AND wait_event_type = 'Lock'", [db.name]);
    await observer.end();
    if (locked) await locker.query("ROLLBACK");
    await locker.end();
    await Promise.all(streams);
    expect(started.size).toBeGreaterThan(0);
    // Its runs are another process's to reap once its lease has expired (a dropped session alone is no death).
    await untilLeasesExpired(db.pool);

    mock.script({ text: "after the restart" });
    const t = await startTestService({ db, mock });
    services.push(t);
    for (const [i, body] of turns.entries()) {
      const threadId = threadIds[i];
      // A request the dead process never answered left no thread to look at.
      if (!threadId) continue;
      // Reading the thread repairs its mirror from the checkpoints.
      expect((await fetch(`${t.url}/api/threads/${threadId}`)).status).toBe(200);
      const inState = (await checkpointMessages(db.pool, threadId)).filter((m) => m.content === body.message);
      const inMirror = (await mirrorMessages(db.pool, threadId)).filter((m) => m.content === body.message);
      const expected = started.has(threadId) ? 1 : inState.length;
      // What the killed process said of its runs, for a failure to be read by.
      const said = () => service.logs().split("\n").filter((l) => /"level":(40|50|60)/.test(l)).join("\n");
      expect({ message: body.message, inState: inState.length, inMirror: inMirror.length }, said()).toEqual({ message: body.message, inState: expected, inMirror: expected });
      expect(inState.length).toBeLessThanOrEqual(1);
    }
    await mock.close();
  }, 120_000);
});
