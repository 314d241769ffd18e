import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "./helpers/test-service.js";

const KEY = "key-aaaaaaaa";
const API_KEYS = `${KEY}:tenantA:alice`;

// The first frames of the stream captured from the JS Agent Server (/work/shared/reference), byte
// for byte: the framing and payload shapes a client of `langgraphjs dev` reads.
const SAMPLE =
  'event: metadata\ndata: {"run_id":"01a1fc73-94cc-7742-a87f-9c3b7b67c9ac","attempt":1}\nid: 0\n\n' +
  'event: values\ndata: {"messages":[{"content":"hi","additional_kwargs":{},"response_metadata":{},"id":"71c6dfa2-f508-4bdd-8203-c193daf81804","type":"human"},{"content":"Hello there friend","additional_kwargs":{},"response_metadata":{},"tool_call_chunks":[],"tool_calls":[],"id":"run-01a1fc73-8962-77d0-8082-28b5b9a3485a","invalid_tool_calls":[],"type":"ai"},{"content":"please ask me","additional_kwargs":{},"response_metadata":{},"id":"fe70f7f7-d05a-4bf9-b2d0-3443dfbcbbf1","type":"human"}]}\nid: 1\n\n' +
  'event: messages\ndata: [{"content":"S","tool_calls":[],"invalid_tool_calls":[],"tool_call_chunks":[],"additional_kwargs":{},"response_metadata":{},"id":"run-01a1fc73-9536-7199-bbbf-74c0ea325571","type":"ai"},{"tags":[],"ls_integration":"langchain_chat_model","created_by":"system","user":"u1","graph_id":"agent","assistant_id":"fe096781-5601-53d2-b2f6-0d3403f7e9ca","run_attempt":1,"langgraph_version":"0.0.0","langgraph_plan":"developer","langgraph_host":"self-hosted","thread_id":"01a1fc73-8772-701c-b416-7b76292d33ba","run_id":"01a1fc73-94cc-7742-a87f-9c3b7b67c9ac","langgraph_step":5,"langgraph_node":"agent","langgraph_triggers":["branch:to:agent"],"langgraph_path":["__pregel_pull","agent"],"langgraph_checkpoint_ns":"agent:9464d1d1-60cb-5a66-b01b-4fe32c9c5f08","checkpoint_ns":"agent:9464d1d1-60cb-5a66-b01b-4fe32c9c5f08","ls_model_type":"chat","ls_provider":"FakeListChatModel","versions":{"@langchain/core":"1.2.13"}}]\nid: 2\n\n';
// Metadata the Agent Server takes from its deployment (plan, host, version, user) and from its
// assistant records (graph_id, assistant_id); threadloom's run config does not carry them.
const SERVER_KEYS = new Set(["created_by", "user", "graph_id", "assistant_id", "langgraph_version", "langgraph_plan", "langgraph_host"]);

interface Frame {
  event: string;
  data: any;
  id: number;
  /** The frame's bytes, blank line included. */
  raw: string;
}

// One frame: the three fields, in the sample's order, each on one line.
const FRAME = /^event: ([^\r\n]+)\ndata: ([^\r\n]*)\nid: (\d+)$/;

/** Splits an event stream into frames and comments, failing on any block that is neither. */
function parseStream(body: string): { frames: Frame[]; comments: string[] } {
  expect(body.endsWith("\n\n"), "the stream ends with a blank line").toBe(true);
  const frames: Frame[] = [];
  const comments: string[] = [];
  for (const block of body.slice(0, -2).split("\n\n")) {
    if (block.startsWith(":")) {
      expect(block).toMatch(/^: [^\r\n]*$/);
      comments.push(block);
      continue;
    }
    const match = FRAME.exec(block);
    expect(match, `not a frame: ${JSON.stringify(block.slice(0, 200))}`).not.toBeNull();
    frames.push({ event: match![1]!, data: JSON.parse(match![2]!), id: Number(match![3]), raw: `${block}\n\n` });
  }
  return { frames, comments };
}

const ids = (frames: Frame[]) => frames.map((f) => f.id);
const input = (content: string) => ({ messages: [{ role: "user", content }] });

/** Requests as tenant A, JSON in. */
function client(t: () => TestService) {
  const headers = (extra: Record<string, string> = {}) => ({ "x-api-key": KEY, ...extra });
  return {
    post: (path: string, body: unknown, extra: Record<string, string> = {}) =>
      fetch(`${t().url}${path}`, { method: "POST", headers: headers({ "content-type": "application/json", ...extra }), body: JSON.stringify(body) }),
    get: (path: string, extra: Record<string, string> = {}) => fetch(`${t().url}${path}`, { headers: headers(extra) }),
    async thread(): Promise<string> {
      const res = await this.post("/threads", {});
      expect(res.status).toBe(200);
      return ((await res.json()) as { thread_id: string }).thread_id;
    },
  };
}

async function expectProblem(res: Response, status: number): Promise<any> {
  expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({ status, type: "application/problem+json; charset=utf-8" });
  const problem = await res.json();
  expect(problem).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  return problem;
}

describe("Agent Server run streams on the wire", () => {
  let t: TestService;
  const http = client(() => t);
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS } });
  });
  afterAll(() => t.close());

  /** A streamed turn with the sample's stream modes; returns the response and its bytes. */
  async function streamedTurn(threadId: string, answer = "Hello there friend") {
    t.mock.script({ text: answer });
    const res = await http.post(`/threads/${threadId}/runs/stream`, { assistant_id: "chat", input: input("hi"), stream_mode: ["values", "messages-tuple"] });
    const body = await res.text();
    return { res, body, ...parseStream(body) };
  }

  /** A background run that streams slowly, so that it is still running while the test acts. */
  async function slowRun(threadId: string): Promise<string> {
    t.mock.script({ text: "one two three four five six seven eight nine ten eleven twelve", tokenDelayMs: 100 });
    const res = await http.post(`/threads/${threadId}/runs`, { assistant_id: "chat", input: input("take your time") });
    expect(res.status).toBe(200);
    return ((await res.json()) as { run_id: string }).run_id;
  }

  it("frames the sample exactly as this test reads frames", () => {
    const { frames, comments } = parseStream(SAMPLE);
    expect(frames.map((f) => [f.event, f.id])).toEqual([["metadata", 0], ["values", 1], ["messages", 2]]);
    expect(frames.map((f) => f.raw).join("")).toBe(SAMPLE);
    expect(comments).toEqual([]);
  });

  it("POST /threads/:id/runs/stream: event-stream headers, the run's locations, frames as the sample's, ids without gaps", async () => {
    const threadId = await http.thread();
    const { res, body, frames, comments } = await streamedTurn(threadId);
    const runId = frames[0]!.data.run_id as string;
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("content-location")).toBe(`/threads/${threadId}/runs/${runId}`);
    expect(res.headers.get("location")).toBe(`/threads/${threadId}/runs/${runId}/stream`);

    expect(frames[0]).toEqual({ event: "metadata", data: { run_id: runId, attempt: 1 }, id: 0, raw: `event: metadata\ndata: {"run_id":"${runId}","attempt":1}\nid: 0\n\n` });
    expect(ids(frames)).toEqual(frames.map((_, i) => i));
    expect(frames.map((f) => f.raw).join("")).toBe(body);
    expect(comments).toEqual([]);
    expect(new Set(frames.map((f) => f.event))).toEqual(new Set(["metadata", "values", "messages"]));
    expect(frames.filter((f) => f.event === "messages").map((f) => f.data[0].content).join("")).toBe("Hello there friend");
  });

  it("values and messages payloads have the sample's shapes", async () => {
    const threadId = await http.thread();
    const { frames } = await streamedTurn(threadId);
    const sample = parseStream(SAMPLE).frames;
    const [sampleChunk, sampleMetadata] = sample[2]!.data as [Record<string, unknown>, Record<string, unknown>];
    const sampleHuman = sample[1]!.data.messages[0] as Record<string, unknown>;
    const keys = (o: object) => Object.keys(o).sort();

    const values = frames.filter((f) => f.event === "values").map((f) => f.data);
    expect(keys(values[0].messages[0])).toEqual(keys(sampleHuman));
    expect(values[0].messages[0]).toMatchObject({ type: "human", content: "hi", id: expect.any(String), additional_kwargs: {}, response_metadata: {} });
    expect(values.at(-1).messages.map((m: { type: string; content: string }) => [m.type, m.content])).toEqual([["human", "hi"], ["ai", "Hello there friend"]]);

    const tuples = frames.filter((f) => f.event === "messages").map((f) => f.data);
    const runId = frames[0]!.data.run_id;
    for (const tuple of tuples) {
      expect(Array.isArray(tuple) && tuple.length === 2, "a messages event is [chunk, metadata]").toBe(true);
      expect(tuple[1]).toMatchObject({ langgraph_node: "agent", thread_id: threadId, run_id: runId, run_attempt: 1, langgraph_step: expect.any(Number), checkpoint_ns: expect.any(String) });
      expect(keys(tuple[1])).toEqual(expect.arrayContaining(Object.keys(sampleMetadata).filter((k) => !SERVER_KEYS.has(k))));
    }
    const tokens = tuples.map(([chunk]) => chunk).filter((chunk) => chunk.content !== "");
    expect(tokens.length).toBeGreaterThan(1);
    for (const chunk of tokens) {
      expect(keys(chunk)).toEqual(keys(sampleChunk));
      expect(chunk).toMatchObject({ type: sampleChunk.type, id: tokens[0].id, tool_calls: [], tool_call_chunks: [], invalid_tool_calls: [] });
    }
  });

  it("GET .../runs/:rid/stream with Last-Event-ID: 3 continues at id 4, byte for byte; a bad one is a 400", async () => {
    const threadId = await http.thread();
    const first = await streamedTurn(threadId, "Replayed from the event log word by word");
    const location = first.res.headers.get("location")!;
    expect(first.frames.length).toBeGreaterThan(6);

    const joined = await http.get(location, { "Last-Event-ID": "3" });
    expect(joined.status).toBe(200);
    expect(joined.headers.get("content-type")).toBe("text/event-stream");
    expect(joined.headers.get("content-location")).toBe(first.res.headers.get("content-location"));
    const body = await joined.text();
    expect(ids(parseStream(body).frames)[0]).toBe(4);
    expect(body).toBe(first.frames.slice(4).map((f) => f.raw).join(""));

    // Without the header, from the start.
    expect(await (await http.get(location)).text()).toBe(first.body);

    for (const bad of ["abc", "1.5", "-7"]) {
      const problem = await expectProblem(await http.get(location, { "Last-Event-ID": bad }), 400);
      expect(problem.invalid_params, bad).toEqual([{ name: "Last-Event-ID", reason: expect.any(String) }]);
    }
  });

  it("a client that had id 3 of a live run and reconnects with Last-Event-ID: 3 gets the rest from id 4", async () => {
    const threadId = await http.thread();
    t.mock.script({ text: "A slower reply that is still streaming when the client comes back", tokenDelayMs: 30 });
    const live = await http.post(`/threads/${threadId}/runs/stream`, { assistant_id: "chat", input: input("hi"), stream_mode: ["values", "messages-tuple"] });
    const reader = live.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("\nid: 3\n\n")) seen += (await reader.read()).value ?? "";
    const rejoined = await (await http.get(live.headers.get("location")!, { "Last-Event-ID": "3" })).text();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) seen += chunk.value;

    const original = parseStream(seen).frames;
    expect(original.at(-1)!.data.messages.at(-1).content).toBe("A slower reply that is still streaming when the client comes back");
    expect(ids(parseStream(rejoined).frames)[0]).toBe(4);
    expect(rejoined).toBe(original.slice(4).map((f) => f.raw).join(""));
  });

  it("a Last-Event-ID the live run has not reached yet: the stream continues after it, not before", async () => {
    const threadId = await http.thread();
    // Events 0-2 (metadata, the input's values, the model's opening chunk) come at once, then a pause.
    t.mock.script({ text: "one two three four five six seven eight", firstTokenDelayMs: 300 });
    const live = await http.post(`/threads/${threadId}/runs/stream`, { assistant_id: "chat", input: input("hi"), stream_mode: ["values", "messages-tuple"] });
    const rejoined = await (await http.get(live.headers.get("location")!, { "Last-Event-ID": "5" })).text();
    const original = parseStream(await live.text()).frames;
    expect(original.length).toBeGreaterThan(8);
    expect(ids(parseStream(rejoined).frames)[0]).toBe(6);
    expect(rejoined).toBe(original.slice(6).map((f) => f.raw).join(""));
  });

  it("POST /runs/stream (stateless): Content-Location /runs/<rid> and Location /runs/<rid>/stream", async () => {
    t.mock.script({ text: "No thread kept" });
    const res = await http.post("/runs/stream", { assistant_id: "chat", input: input("hi") });
    const { frames } = parseStream(await res.text());
    const runId = frames[0]!.data.run_id as string;
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("content-location")).toBe(`/runs/${runId}`);
    expect(res.headers.get("location")).toBe(`/runs/${runId}/stream`);
    expect(frames.at(-1)!.data.messages.at(-1).content).toBe("No thread kept");
  });

  it("POST /threads/:id/runs/wait: JSON with the run's Content-Location", async () => {
    const threadId = await http.thread();
    t.mock.script({ text: "Waited for" });
    const res = await http.post(`/threads/${threadId}/runs/wait`, { assistant_id: "chat", input: input("hi") });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const location = res.headers.get("content-location")!;
    expect(location).toMatch(new RegExp(`^/threads/${threadId}/runs/[0-9a-f-]{36}$`));
    const values = JSON.parse(await res.text());
    expect(values.messages.map((m: { content: string }) => m.content)).toEqual(["hi", "Waited for"]);
    expect(await (await http.get(location)).json()).toMatchObject({ status: "success", thread_id: threadId });
  });

  it("POST .../runs/:rid/cancel answers 202, and 204 once the run has ended with ?wait=true", async () => {
    const threadId = await http.thread();
    const first = await slowRun(threadId);
    const cancelled = await http.post(`/threads/${threadId}/runs/${first}/cancel`, undefined);
    expect(cancelled.status).toBe(202);
    expect(await cancelled.text()).toBe("");
    await (await http.get(`/threads/${threadId}/runs/${first}/join`)).text();
    expect(await (await http.get(`/threads/${threadId}/runs/${first}`)).json()).toMatchObject({ status: "interrupted" });

    const second = await slowRun(threadId);
    const waited = await http.post(`/threads/${threadId}/runs/${second}/cancel?wait=true`, undefined);
    expect(waited.status).toBe(204);
    // Answered only once the run was over.
    expect(await (await http.get(`/threads/${threadId}/runs/${second}`)).json()).toMatchObject({ status: "interrupted" });
    expect(t.service.runs.activeCount).toBe(0);
  });

  it("a run on a missing thread is a 404 problem; with if_not_exists: \"create\" it streams on a new thread", async () => {
    const threadId = randomUUID();
    const problem = await expectProblem(await http.post(`/threads/${threadId}/runs/stream`, { assistant_id: "chat", input: input("hi") }), 404);
    expect(problem.detail).toContain(threadId);

    t.mock.script({ text: "Created on the way" });
    const res = await http.post(`/threads/${threadId}/runs/stream`, { assistant_id: "chat", input: input("hi"), if_not_exists: "create" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-location")).toMatch(new RegExp(`^/threads/${threadId}/runs/`));
    const { frames } = parseStream(await res.text());
    expect(frames.at(-1)!.data.messages.at(-1).content).toBe("Created on the way");
    expect(((await (await http.get(`/threads/${threadId}`)).json()) as { status: string }).status).toBe("idle");
  });

  it("multitask_strategy reject while a run is in progress is a 409 problem naming that run", async () => {
    const threadId = await http.thread();
    const running = await slowRun(threadId);
    const problem = await expectProblem(await http.post(`/threads/${threadId}/runs/stream`, { assistant_id: "chat", input: input("me too"), multitask_strategy: "reject" }), 409);
    expect(problem.running_run_id).toBe(running);
    expect(problem.detail).toContain(running);
    expect((await http.post(`/threads/${threadId}/runs/${running}/cancel?wait=true`, undefined)).status).toBe(204);
    expect(((await (await http.get(`/threads/${threadId}/runs`)).json()) as unknown[]).length).toBe(1);
  });

  describe("CORS", () => {
    it("a local page's origin may read the run's headers", async () => {
      const threadId = await http.thread();
      t.mock.script({ text: "Hi browser" });
      const res = await http.post(`/threads/${threadId}/runs/stream`, { assistant_id: "chat", input: input("hi") }, { Origin: "http://localhost:5173" });
      await res.text();
      expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
      const exposed = res.headers.get("access-control-expose-headers")!.split(",").map((h) => h.trim().toLowerCase());
      expect(exposed).toEqual(expect.arrayContaining(["content-location", "location", "x-pagination-next", "x-pagination-total"]));
    });

    it("answers a preflight without an API key, though keys are required", async () => {
      const threadId = randomUUID();
      const preflight = await fetch(`${t.url}/threads/${threadId}/runs/stream`, {
        method: "OPTIONS",
        headers: { Origin: "http://localhost:5173", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
      expect(preflight.headers.get("access-control-allow-methods")!.split(",")).toContain("POST");
      expect(preflight.headers.get("access-control-allow-headers")!.toLowerCase().split(",")).toEqual(expect.arrayContaining(["content-type", "x-api-key"]));
      // The request itself still needs a key.
      expect((await fetch(`${t.url}/threads/${threadId}/runs/stream`, { method: "POST", headers: { Origin: "http://localhost:5173", "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    });

    it("does not allow another site's origin by default", async () => {
      const threadId = await http.thread();
      const res = await http.get(`/threads/${threadId}`, { Origin: "https://evil.example" });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      const preflight = await fetch(`${t.url}/threads/${threadId}/runs/stream`, {
        method: "OPTIONS",
        headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key" },
      });
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    });
  });
});

describe("Agent Server run streams: heartbeat", () => {
  let t: TestService;
  const http = client(() => t);
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS, HEARTBEAT_MS: "200" } });
  });
  afterAll(() => t.close());

  it("sends a `: heartbeat` comment while the stream is silent longer than HEARTBEAT_MS, between whole frames", async () => {
    const threadId = await http.thread();
    t.mock.script({ text: "Late but here", firstTokenDelayMs: 700 });
    const res = await http.post(`/threads/${threadId}/runs/stream`, { assistant_id: "chat", input: input("hi"), stream_mode: ["values", "messages-tuple"] });
    const body = await res.text();
    const { frames, comments } = parseStream(body);
    expect(comments.length).toBeGreaterThanOrEqual(1);
    expect(new Set(comments)).toEqual(new Set([": heartbeat"]));
    // The silence was before the first token (the model's opening chunk, with no text, came at
    // once); the comments take no ids.
    const firstToken = frames.find((f) => f.event === "messages" && f.data[0].content !== "")!;
    expect(body.indexOf(": heartbeat\n\n")).toBeLessThan(body.indexOf(firstToken.raw));
    expect(ids(frames)).toEqual(frames.map((_, i) => i));
    expect(frames.filter((f) => f.event === "messages").map((f) => f.data[0].content).join("")).toBe("Late but here");
  });

  it("keeps a slow /runs/wait open with whitespace before its JSON body", async () => {
    const threadId = await http.thread();
    t.mock.script({ text: "Worth the wait", firstTokenDelayMs: 700 });
    const res = await http.post(`/threads/${threadId}/runs/wait`, { assistant_id: "chat", input: input("hi") });
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = await res.text();
    expect(body).toMatch(/^\n+\{/);
    expect(JSON.parse(body).messages.at(-1).content).toBe("Worth the wait");
  });
});

describe("Agent Server CORS with CORS_ORIGINS", () => {
  let t: TestService;
  const http = client(() => t);
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS, CORS_ORIGINS: "https://app.example" } });
  });
  afterAll(() => t.close());

  it("allows the configured origin and still no other", async () => {
    const threadId = await http.thread();
    const allowed = await http.get(`/threads/${threadId}`, { Origin: "https://app.example" });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(allowed.headers.get("access-control-expose-headers")!.split(",")).toEqual(expect.arrayContaining(["Content-Location", "Location", "X-Pagination-Next", "X-Pagination-Total"]));
    const preflight = await fetch(`${t.url}/threads/${threadId}/runs/stream`, {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect((await http.get(`/threads/${threadId}`, { Origin: "https://evil.example" })).headers.get("access-control-allow-origin")).toBeNull();
  });
});
