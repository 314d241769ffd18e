import http from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphAssistantId } from "../src/agent-api/graph-assistant-id.js";
import { expectProblem } from "./helpers/problem.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const GRAPHS = path.join(path.dirname(fileURLToPath(import.meta.url)), "graphs");
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

type Delivery = { attempts: number; delivered: boolean; failed: boolean; last_error: string | null };

/**
 * A webhook receiver on this machine: each path answers as its name says, and every POST is kept.
 * `/flaky` fails twice before it takes one; `/silent` never answers; `/endless` answers 200 and
 * never ends its body.
 */
class Receiver {
  readonly posts: { path: string; type?: string; agent?: string; body: any }[] = [];
  private flaky = 0;
  private server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      const path = req.url!.split("?")[0]!;
      this.posts.push({ path, type: req.headers["content-type"], agent: req.headers["user-agent"], body: JSON.parse(text) });
      if (path === "/flaky" && ++this.flaky <= 2) return void res.writeHead(503).end("busy, try later");
      if (path === "/gone") return void res.writeHead(410).end("no such hook");
      if (path === "/moved") return void res.writeHead(302, { location: "/ok" }).end();
      if (path === "/silent") return;
      if (path === "/endless") {
        res.writeHead(200);
        const more = () => res.write("x".repeat(4096), () => setImmediate(more));
        return more();
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  });

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  to(path: string) {
    return this.posts.filter((p) => p.path === path);
  }
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function writeManifest(extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-webhooks-"));
  dirs.push(dir);
  const manifest = path.join(dir, "langgraph.json");
  await writeFile(manifest, JSON.stringify({ graphs: { counter: `${GRAPHS}/counter.ts:graph`, failing: `${GRAPHS}/failing.ts:graph` }, ...extra }));
  return manifest;
}

/** The run's delivery once it is over (sent or given up); null if it never was recorded. */
async function settled(db: TestDatabase, runId: string): Promise<Delivery> {
  for (;;) {
    const { rows } = await db.pool.query(
      "SELECT attempts, delivered_at IS NOT NULL AS delivered, failed_at IS NOT NULL AS failed, last_error FROM webhook_deliveries WHERE run_id = $1", [runId],
    );
    if (rows[0] && (rows[0].delivered || rows[0].failed)) return rows[0];
    await new Promise((r) => setTimeout(r, 20));
  }
}

const runIdOf = async (client: Client, threadId: string) => (await client.runs.list(threadId))[0]!.run_id;

// A run with `webhook` is POSTed there when it ends: the run as the API shows it, its times and
// values. Retries with backoff, a timeout, a bounded read of the answer, no redirects.
describe("webhooks: a run is POSTed to its webhook when it ends", () => {
  let t: TestService;
  let client: Client;
  const receiver = new Receiver();
  let base: string;

  beforeAll(async () => {
    base = await receiver.listen();
    t = await startTestService({
      env: {
        LANGGRAPH_JSON: await writeManifest({ http: { app: `${GRAPHS}/custom-hono.ts:app` } }),
        // The receiver is on this machine: loopback is opened for it.
        WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", WEBHOOK_TIMEOUT_MS: "300", WEBHOOK_MAX_ATTEMPTS: "3", WEBHOOK_RETRY_BASE_MS: "20",
      },
    });
    client = new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 } });
  });
  afterAll(async () => {
    await t?.close();
    await receiver.close();
  });

  it("sends the run as the API shows it, with when it started and ended, and its final values", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "counter", { input: {}, metadata: { source: "test" }, webhook: `${base}/ok?token=s3cret` });
    const runId = await runIdOf(client, thread.thread_id);
    expect(await settled(t.db, runId)).toEqual({ attempts: 1, delivered: true, failed: false, last_error: null });
    const [post] = receiver.to("/ok").filter((p) => p.body.run_id === runId);
    expect([post!.type, post!.agent]).toEqual(["application/json", "threadloom-webhook"]);
    const run = await client.runs.get(thread.thread_id, runId);
    expect(post!.body).toEqual({
      ...run,
      run_started_at: expect.stringMatching(ISO), run_ended_at: expect.stringMatching(ISO), webhook_sent_at: expect.stringMatching(ISO),
      values: { items: ["tick", "tock"], count: 11 },
    });
    expect(post!.body).toMatchObject({ thread_id: thread.thread_id, assistant_id: graphAssistantId("counter"), status: "success", metadata: { source: "test" }, kwargs: { webhook: `${base}/ok?token=s3cret` } });
    expect(post!.body.run_started_at <= post!.body.run_ended_at && post!.body.run_ended_at <= post!.body.webhook_sent_at).toBe(true);
  });

  it("sends a failed run with its error's message", async () => {
    const { run_id } = await client.runs.create(null, "failing", { input: { entry: "rent" }, webhook: `${base}/ok` });
    await settled(t.db, run_id);
    const [post] = receiver.to("/ok").filter((p) => p.body.run_id === run_id);
    expect(post!.body).toMatchObject({ status: "error", error: "The ledger is closed: cannot post rent.", values: { entry: "rent" } });
  });

  it("tries again after an answer that may pass (503), and stops once one is taken", async () => {
    const { run_id } = await client.runs.create(null, "counter", { input: {}, webhook: `${base}/flaky` });
    expect(await settled(t.db, run_id)).toEqual({ attempts: 3, delivered: true, failed: false, last_error: null });
    expect(receiver.to("/flaky").filter((p) => p.body.run_id === run_id)).toHaveLength(3);
  });

  it("gives up a receiver that never answers after WEBHOOK_MAX_ATTEMPTS timed-out attempts", async () => {
    const { run_id } = await client.runs.create(null, "counter", { input: {}, webhook: `${base}/silent` });
    expect(await settled(t.db, run_id)).toEqual({ attempts: 3, delivered: false, failed: true, last_error: "no answer within 300 ms" });
    expect(receiver.to("/silent").filter((p) => p.body.run_id === run_id)).toHaveLength(3);
  });

  it("gives up at once on an answer another try would not change: a 4xx, a redirect (not followed)", async () => {
    const gone = await client.runs.create(null, "counter", { input: {}, webhook: `${base}/gone` });
    expect(await settled(t.db, gone.run_id)).toEqual({ attempts: 1, delivered: false, failed: true, last_error: "answered 410: no such hook" });
    const moved = await client.runs.create(null, "counter", { input: {}, webhook: `${base}/moved` });
    expect(await settled(t.db, moved.run_id)).toEqual({ attempts: 1, delivered: false, failed: true, last_error: "answered 302, a redirect to /ok, which is not followed" });
    expect(receiver.to("/ok").filter((p) => p.body.run_id === moved.run_id)).toEqual([]);
  });

  it("reads only the start of an answer that never ends", async () => {
    const { run_id } = await client.runs.create(null, "counter", { input: {}, webhook: `${base}/endless` });
    expect(await settled(t.db, run_id)).toMatchObject({ attempts: 1, delivered: true });
  });

  it("delivers a path to the manifest's http.app, in-process", async () => {
    const { run_id } = await client.runs.create(null, "counter", { input: {}, webhook: "/custom/hooks" });
    expect(await settled(t.db, run_id)).toMatchObject({ attempts: 1, delivered: true });
    const hooks = (await (await fetch(`${t.url}/custom/hooks`)).json()) as { run_id: string; status: string }[];
    expect(hooks.filter((h) => h.run_id === run_id)).toEqual([expect.objectContaining({ status: "success", values: { items: ["tick", "tock"], count: 11 } })]);
  });

  it("sends a queued run that was cancelled before it ran, with its thread's values", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "counter", { input: {} });
    const queued = await client.runs.create(thread.thread_id, "counter", { input: {}, afterSeconds: 600, webhook: `${base}/ok` });
    await client.runs.cancel(thread.thread_id, queued.run_id);
    expect(await settled(t.db, queued.run_id)).toMatchObject({ delivered: true });
    const [post] = receiver.to("/ok").filter((p) => p.body.run_id === queued.run_id);
    expect(post!.body).toMatchObject({ status: "interrupted", values: { count: 11 } });
  });
});

// A webhook is checked when its run is created: a 400 naming `webhook`, and no run.
describe("webhooks: refused when the run is created", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { LANGGRAPH_JSON: await writeManifest() } });
  });
  afterAll(() => t?.close());

  it.each([
    ["http://127.0.0.1:8080/hook", "its host 127.0.0.1 is a loopback address, where webhooks may not go unless WEBHOOK_ALLOWED_HOSTS names it"],
    ["http://[::1]/hook", "its host ::1 is a loopback address, where webhooks may not go unless WEBHOOK_ALLOWED_HOSTS names it"],
    ["http://10.0.0.8/hook", "its host 10.0.0.8 is a private address, where webhooks may not go unless WEBHOOK_ALLOWED_HOSTS names it"],
    ["http://169.254.169.254/latest/meta-data/", "its host 169.254.169.254 is a link-local address, where webhooks may not go unless WEBHOOK_ALLOWED_HOSTS names it"],
    ["gopher://example.com/hook", "must be an http or https URL, not gopher"],
    ["//example.com/hook", "must be an absolute http or https URL, or a path starting with / (for the manifest's http.app)"],
    ["/custom/hooks", "is a path, which is delivered to the manifest's http.app, and langgraph.json names no http.app"],
  ])("refuses %s", async (webhook, reason) => {
    const res = await fetch(`${t.url}/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ assistant_id: "counter", input: {}, webhook }) });
    const body = await expectProblem(res, 400, /^Invalid body: webhook: /);
    expect(body.invalid_params).toEqual([{ name: "webhook", reason }]);
    expect((await t.db.pool.query("SELECT count(*)::int AS n FROM runs")).rows[0].n).toBe(0);
  });
});

// The delivery is recorded with the run's end, in the database: a process that stops before it is
// sent leaves it to the next (at least once).
describe("webhooks: a delivery outlives the process that owed it", () => {
  it("is sent by another process when the receiver is back", async () => {
    const db = await createTestDatabase();
    const receiver = new Receiver();
    const base = await receiver.listen();
    const port = Number(new URL(base).port);
    await receiver.close();
    const env = { LANGGRAPH_JSON: await writeManifest(), WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", WEBHOOK_MAX_ATTEMPTS: "20", WEBHOOK_RETRY_BASE_MS: "20" };
    const first = await startTestService({ db, env });
    const client = new Client({ apiUrl: first.url, callerOptions: { maxRetries: 0 } });
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "counter", { input: {}, webhook: `${base}/ok` });
    const runId = await runIdOf(client, thread.thread_id);
    // The receiver is down: the first attempt could not reach it.
    for (;;) {
      const { rows } = await db.pool.query("SELECT last_error FROM webhook_deliveries WHERE run_id = $1", [runId]);
      if (rows[0]?.last_error) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await first.close();
    const back = new Receiver();
    await back.listen(port);
    const second = await startTestService({ db, env });
    try {
      expect(await settled(db, runId)).toMatchObject({ delivered: true });
      expect(back.to("/ok").map((p) => [p.body.run_id, p.body.status, p.body.values])).toEqual([[runId, "success", { items: ["tick", "tock"], count: 11 }]]);
    } finally {
      await second.close();
      await back.close();
    }
  });
});
