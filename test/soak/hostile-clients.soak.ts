import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { expectMirrorMatchesCheckpoint } from "../helpers/checkpoint-state.js";
import { runHostileClients, summarizeHostile, type HostileOutcome } from "../helpers/hostile-clients.js";
import { startMockOpenAI, type MockOpenAI } from "../helpers/mock-openai.js";
import { startServiceProcess, type ServiceProcess } from "../helpers/service-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const MAX_CONCURRENT_RUNS = 64;
const SSE_MAX_BUFFER_BYTES = 256 * 1024;
const SLOW_READERS = 200;
const ABORTING_CLIENTS = 500;
/**
 * Slow readers, among the 200, whose reply is long enough to be cut: one that cancels on disconnect,
 * one that does not. (More cost more than the machine has: each reply is held whole by the graph.)
 */
const HUGE_READERS = [0, 101];
const MiB = 1024 * 1024;
/**
 * The bound on peak RSS (VmHWM) under the hostile load, from the settings:
 *   baseline                                  what the process held after serving MAX_CONCURRENT_RUNS
 *                                             well-behaved clients the same replies (measured first)
 * + OLD_SPACE_MiB                             V8 may fill its heap with garbage up to its limit before
 *                                             a full collection (measured: 891 MiB peak with no limit set,
 *                                             most of it garbage: 643 MiB with this one)
 * + 2 × MAX_CONCURRENT_RUNS × SSE_MAX_BUFFER_BYTES   every run's stream buffer full, counted twice (a
 *                                             frame waits as a string, then as a Buffer in the socket's queue)
 * A slow client's frames beyond that are not kept (it is cut), so nothing else grows with the number
 * of slow readers.
 *
 * What the kernel queues for a socket is not in RSS: on loopback a client that stops reading lets
 * the service's send queue grow to net.ipv4.tcp_wmem's maximum (4 MiB here) before the service sees
 * any backpressure. So a slow reader is cut only once it is 4 MiB + SSE_MAX_BUFFER_BYTES behind.
 */
const OLD_SPACE_MiB = 384;
const RSS_ALLOWANCE = OLD_SPACE_MiB * MiB + 2 * MAX_CONCURRENT_RUNS * SSE_MAX_BUFFER_BYTES;

// 15 ms apart (~70 KB/s of 1 KiB tokens, which a client that reads keeps up with on a busy machine):
// slow readers get 200 KiB, a few of them 4.7 MiB (4 KiB tokens, 2 ms apart), past what the kernel
// queues plus the buffer; aborting clients get 300 short words, 5 ms apart.
const token = (size: number) => (_: unknown, i: number) => `${i}${"x".repeat(size - 8)} `;
const SLOW_REPLY = { tokens: Array.from({ length: 200 }, token(1_024)), tokenDelayMs: 15 };
const HUGE_REPLY = { tokens: Array.from({ length: 1_200 }, token(4_096)), tokenDelayMs: 2 };
const LONG_REPLY = { text: Array.from({ length: 300 }, (_, i) => `w${i}`).join(" "), tokenDelayMs: 5 };
const reply = (said: string) => (said.startsWith("huge") ? HUGE_REPLY : said.startsWith("slow") ? SLOW_REPLY : LONG_REPLY);

/** A client reading a whole /api/chat stream as fast as it comes (bytes, not events: cheap); whether it ended. */
async function readWhole(url: string, message: string): Promise<boolean> {
  const res = await fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message }) });
  let tail = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body!) tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4_096);
  } catch {
    return false;
  }
  return res.status === 200 && /(^|\n)event: end\n/.test(tail);
}

/** Peak and current resident set of a process, in bytes (VmHWM, VmRSS of /proc/<pid>/status). */
function memory(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)![1]) * 1024;
  return { peak: kib("VmHWM"), now: kib("VmRSS") };
}

describe("200 slow readers and 500 aborting clients against one service process", () => {
  let mock: MockOpenAI | undefined;
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    if (service?.child.exitCode === null) service.child.kill("SIGKILL");
    await mock?.close();
  });

  it("ends every run as its on_disconnect says, with no pool timeout, no 500, every thread idle and its mirror equal to its state, and a bounded peak RSS", async () => {
    const db = await createTestDatabase();
    mock = await startMockOpenAI((req) => reply(String(req.messages.at(-1)?.content)));
    service = await startServiceProcess({
      ...process.env, DATABASE_URL: db.url, OPENAI_BASE_URL: mock.baseURL, OPENAI_API_KEY: "test-key", OPENAI_MODEL: "mock-model", OPENAI_MAX_RETRIES: "0",
      MAX_CONCURRENT_RUNS: String(MAX_CONCURRENT_RUNS), SSE_MAX_BUFFER_BYTES: String(SSE_MAX_BUFFER_BYTES), RATE_LIMIT_RPM: "0",
      // A heap limit, as a deployment with a memory limit sets; the young generation as small as node's default.
    }, undefined, { nodeFlags: [`--max-old-space-size=${OLD_SPACE_MiB}`, "--max-semi-space-size=16"] });
    const pid = service.child.pid!;
    try {
      await hostileLoad(db, service, pid);
    } catch (err) {
      // What the service said last is what explains a failure here.
      console.error(service.logs().split("\n").slice(-40).join("\n"));
      throw err;
    }
  }, 180_000);
});

async function hostileLoad(db: TestDatabase, service: ServiceProcess, pid: number): Promise<void> {
  {

    // Baseline: the same replies to MAX_CONCURRENT_RUNS clients that read at full speed, as many of
    // the longest as the hostile load has. (A whole 4.7 MiB reply is also sent as one `message`
    // frame at the end, past SSE_MAX_BUFFER_BYTES, so those clients may be cut then: their runs
    // have ended by then.)
    const huge = HUGE_READERS.length;
    const said = (i: number) => (i < huge ? "huge warm-up" : i % 2 ? "slow warm-up" : "warm-up");
    await Promise.all(Array.from({ length: MAX_CONCURRENT_RUNS }, (_, i) => readWhole(service.url, said(i))));
    let warmRuns: unknown[] = [];
    for (let waited = 0; waited < 30_000; waited += 250) {
      ({ rows: warmRuns } = await db.pool.query("SELECT status, count(*)::int AS n FROM runs GROUP BY status"));
      if (JSON.stringify(warmRuns) === JSON.stringify([{ status: "success", n: MAX_CONCURRENT_RUNS }])) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(warmRuns).toEqual([{ status: "success", n: MAX_CONCURRENT_RUNS }]);
    const baseline = memory(pid).peak;
    const bound = baseline + RSS_ALLOWANCE;

    const started = Date.now();
    const stageStarted = started;
    const outcomes = await runHostileClients({
      url: service.url, slowReaders: SLOW_READERS, abortingClients: ABORTING_CLIENTS, agentShare: 0.2,
      message: (kind, i) => `${kind === "slow" && HUGE_READERS.includes(i) ? "huge" : kind} client ${i}`,
      // The longest replies' readers stay slow until they are cut (they are, well before 30 s).
      slowForMs: (i) => (HUGE_READERS.includes(i) ? [30_000, 30_000] : [2_000, 5_000]),
    });
    const loadMs = Date.now() - started;
    const summary = summarizeHostile(outcomes);
    console.log(`hostile load: ${JSON.stringify(summary)} in ${loadMs} ms`);
    expect.soft(outcomes.filter((o) => o.error !== undefined), "clients that met an error (a 500, a refused connection)").toEqual([]);
    expect.soft(outcomes.filter((o) => o.status === 503), "clients never let in").toEqual([]);
    expect.soft(summary.slowCut, "slow readers the service cut (backpressure reached SSE_MAX_BUFFER_BYTES)").toBeGreaterThanOrEqual(HUGE_READERS.length);

    // Every run ends; a run is saved whole when its client left with on_disconnect continue, and
    // stopped (interrupted) or already finished with cancel.
    // A native client's own id is the thread's client_thread_id; an Agent Server client's UUID is its id.
    const { rows: threads } = await db.pool.query<{ thread_id: string; shown: string; status: string }>(
      `SELECT thread_id::text, COALESCE(client_thread_id, known_as::text, thread_id::text) AS shown, status FROM threads
       WHERE client_thread_id = ANY($1::text[]) OR COALESCE(known_as, thread_id)::text = ANY($1::text[])`,
      [outcomes.map((o) => o.threadId)],
    );
    const internal = new Map(threads.map((t) => [t.shown, t.thread_id]));
    const threadIds = threads.map((t) => t.thread_id);
    let runs: { thread_id: string; status: string; error: unknown }[] = [];
    for (let waited = 0; ; waited += 250) {
      ({ rows: runs } = await db.pool.query("SELECT thread_id::text, status, error FROM runs WHERE thread_id::text = ANY($1::text[])", [threadIds]));
      if (!runs.some((r) => r.status === "running" || r.status === "pending") || waited > 60_000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const wrong = (o: HostileOutcome) => {
      const runsOf = runs.filter((r) => r.thread_id === internal.get(o.threadId));
      if (runsOf.length > 1) return `${runsOf.length} runs`;
      const run = runsOf[0];
      // A client that went away before its request was read has no run at all, which is right.
      if (!run) return o.status === 200 ? "no run for an admitted client" : undefined;
      if (run.error !== null) return `error ${JSON.stringify(run.error)}`;
      const allowed = o.onDisconnect === "continue" ? ["success"] : ["interrupted", "success"];
      return allowed.includes(run.status) ? undefined : `status ${run.status} with on_disconnect ${o.onDisconnect}`;
    };
    expect.soft(outcomes.map((o) => [o.kind, o.protocol, o.threadId, wrong(o)]).filter((w) => w[3] !== undefined)).toEqual([]);
    expect.soft(runs.filter((r) => r.status === "interrupted").length, "runs cancelled by their client going away").toBeGreaterThan(0);

    const { rows: busy } = await db.pool.query("SELECT thread_id, status FROM threads WHERE thread_id::text = ANY($1::text[]) AND status <> 'idle'", [threadIds]);
    expect.soft(busy).toEqual([]);
    const differing: string[] = [];
    const pending = [...threadIds];
    const check = async () => {
      for (let id = pending.pop(); id !== undefined; id = pending.pop()) await expectMirrorMatchesCheckpoint(db.pool, id).catch(() => differing.push(id!));
    };
    await Promise.all([check(), check(), check(), check()]);
    expect.soft(differing, "threads whose mirror differs from their checkpoint state").toEqual([]);

    const lines = service.logs().split("\n").filter((l) => l.startsWith("{"));
    const warnings = lines.filter((l) => /"level":[456]0/.test(l) && !/cut a client|API_KEYS/.test(l));
    if (warnings.length > 0) console.log(`service warnings and errors (first 10 of ${warnings.length}):\n${warnings.slice(0, 10).map((l) => l.replace(/"headers":\{[^}]*\}/, "").slice(0, 600)).join("\n")}`);
    expect.soft(lines.filter((l) => /timeout exceeded when trying to connect/.test(l)), "pool timeouts in the logs").toEqual([]);
    expect.soft(lines.filter((l) => /"statusCode":5\d\d/.test(l) && !/"statusCode":503/.test(l)), "5xx answers other than 503").toEqual([]);
    expect.soft(lines.filter((l) => /cut a client that reads the stream too slowly/.test(l)).length).toBeGreaterThan(0);

    const { peak } = memory(pid);
    console.log(`peak RSS: baseline ${(baseline / MiB).toFixed(0)} MiB, under load ${(peak / MiB).toFixed(0)} MiB, bound ${(bound / MiB).toFixed(0)} MiB`);
    expect.soft(peak, `peak RSS (VmHWM) ${(peak / MiB).toFixed(0)} MiB over the bound ${(bound / MiB).toFixed(0)} MiB`).toBeLessThan(bound);
    console.log(`stage: ${Date.now() - stageStarted} ms from the hostile load to the last check`);
    expect(await service.stop()).toBe(0);
  }
}
