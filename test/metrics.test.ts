import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { words } from "./helpers/live-chat.js";
import type { MockRequest } from "./helpers/mock-openai.js";
import { chat, SseReader } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

/** Samples of the Prometheus text format by `name{label="value",…}` as written (labels in the order given). */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

async function scrape(t: TestService, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const res = await fetch(`${t.url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseMetrics(await res.text());
}

async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await condition())) await sleep(20);
}

const said = (req: MockRequest) => String(req.messages.at(-1)?.content ?? "");

describe("GET /metrics", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({
      script: (req) => {
        if (said(req).includes("fail")) return { httpStatus: 500 };
        if (said(req).includes("hold")) return { text: words(20), stallAfterTokens: 3 };
        return { text: "two words", usage: { prompt_tokens: 11, completion_tokens: 4 } };
      },
    });
  });
  afterAll(() => t.close());

  it("counts runs by graph and status, their tokens, first-token and run times", async () => {
    const before = await scrape(t);
    expect((await chat(t.url, { message: "hello" })).events.at(-1)!.event).toBe("end");
    expect((await chat(t.url, { message: "please fail" })).events.at(-1)!.data.code).toBe("model_error");
    const after = await scrape(t);
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);

    expect(delta('threadloom_runs_total{graph="chat",status="success"}')).toBe(1);
    expect(delta('threadloom_runs_total{graph="chat",status="error"}')).toBe(1);
    expect(delta('threadloom_model_tokens_total{graph="chat",direction="input"}')).toBe(11);
    expect(delta('threadloom_model_tokens_total{graph="chat",direction="output"}')).toBe(4);
    // The failed run streamed no token: it has a duration but no time to first token.
    expect(delta('threadloom_run_ttft_seconds_count{graph="chat"}')).toBe(1);
    expect(delta('threadloom_run_duration_seconds_count{graph="chat"}')).toBe(2);
    expect(after.get('threadloom_run_duration_seconds_bucket{le="+Inf",graph="chat"}')).toBe(after.get('threadloom_run_duration_seconds_count{graph="chat"}'));
    expect(after.get("threadloom_active_runs")).toBe(0);
    expect(after.get("threadloom_active_streams")).toBe(0);
    expect(after.get("threadloom_worker_lease_held")).toBe(1);
    expect(after.get("threadloom_db_pool_clients")).toBeGreaterThanOrEqual(1);
    expect(after.get("threadloom_db_pool_waiting")).toBe(0);
    expect(after.get("nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
  });

  it("shows runs and streams open now, and the shared queue's depth and age", async () => {
    const response = await fetch(`${t.url}/api/chat`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "hold on", on_disconnect: "cancel" }),
    });
    const reader = new SseReader(response);
    for (let e = await reader.next(); e?.event !== "token"; e = await reader.next()) expect(e).not.toBeNull();
    const threadId = response.headers.get("x-thread-id")!;
    const streaming = await scrape(t);
    expect([streaming.get("threadloom_active_runs"), streaming.get("threadloom_active_streams")]).toEqual([1, 1]);
    expect(streaming.get("threadloom_queue_depth")).toBe(0);

    // An Agent Server run on the busy thread waits in the queue behind the streaming one.
    const queued = await fetch(`${t.url}/threads/${threadId}/runs`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "chat", input: { messages: [{ role: "user", content: "queued" }] }, multitask_strategy: "enqueue" }),
    });
    expect([queued.status, (await queued.json()).status]).toEqual([200, "pending"]);
    await t.db.pool.query("UPDATE runs SET created_at = now() - interval '90 seconds' WHERE status = 'pending'");
    const waiting = await scrape(t);
    expect(waiting.get("threadloom_queue_depth")).toBe(1);
    expect(waiting.get("threadloom_queue_oldest_age_seconds")).toBeGreaterThanOrEqual(90);

    // The client goes: its run is cancelled, the queued one runs and ends.
    await reader.cancel();
    const left = async () => Number((await t.db.pool.query("SELECT count(*) FROM runs WHERE status IN ('pending', 'running')")).rows[0].count);
    await until(async () => (await left()) === 0 && t.service.runs.activeCount === 0);
    const after = await scrape(t);
    expect([after.get("threadloom_active_runs"), after.get("threadloom_active_streams"), after.get("threadloom_queue_depth")]).toEqual([0, 0, 0]);
    expect(after.get("threadloom_queue_oldest_age_seconds")).toBe(0);
    const runs = (m: Map<string, number>) => [...m].filter(([k]) => k.startsWith("threadloom_runs_total{")).reduce((n, [, v]) => n + v, 0);
    expect(runs(after) - runs(streaming)).toBe(2);
  });
});

describe("GET /metrics with API keys", () => {
  const KEY = "key-metrics-0001";
  const TOKEN = "metrics-token-0123456789";
  let closed: TestService;
  let tokened: TestService;
  beforeAll(async () => {
    // Two services in one process: each has a registry of its own.
    closed = await startTestService({ env: { API_KEYS: `${KEY}:acme:alice` } });
    tokened = await startTestService({ env: { API_KEYS: `${KEY}:acme:alice`, METRICS_TOKEN: TOKEN }, db: closed.db, mock: closed.mock });
  });
  afterAll(async () => {
    await tokened.close();
    await closed.close();
  });

  it("is closed without METRICS_TOKEN, even to a tenant's key, and open to the token", async () => {
    const tenant = await fetch(`${closed.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
    expect([tenant.status, (await tenant.json()).detail]).toEqual([401, expect.stringMatching(/set METRICS_TOKEN/)]);
    expect((await fetch(`${tokened.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${tokened.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(401);
    expect((await fetch(`${tokened.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    const scraped = await scrape(tokened, { authorization: `Bearer ${TOKEN}` });
    expect(scraped.get("threadloom_worker_lease_held")).toBe(1);
  });
});
