import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

describe("native chat protocol", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { HEARTBEAT_MS: "100" } });
  });
  afterAll(() => t.close());

  it("streams start, tokens, messages and end with the protocol headers", async () => {
    t.mock.script({ text: "Hello there friend" });
    const res = await chat(t.url, { message: "hi" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    expect(res.headers.get("content-encoding")).toBeNull();
    const threadId = res.headers.get("x-thread-id")!;
    expect(threadId).toMatch(/^[0-9a-f-]{36}$/);
    const types = res.events.map((e) => e.event);
    expect(types[0]).toBe("start");
    expect(types.at(-1)).toBe("end");
    expect(res.events.map((e) => e.id)).toEqual(res.events.map((_, i) => String(i + 1)));
    for (const e of res.events) expect(e.data.type).toBe(e.event);
    const tokens = res.events.filter((e) => e.event === "token").map((e) => e.data);
    expect(tokens.map((tk) => tk.content).join("")).toBe("Hello there friend");
    expect(tokens.map((tk) => tk.index)).toEqual([0, 1, 2]);
    expect(new Set(tokens.map((tk) => tk.node))).toEqual(new Set(["agent"]));
    const assistant = res.events.find((e) => e.event === "message" && e.data.role === "assistant")!.data;
    expect(assistant.content).toBe("Hello there friend");
    expect(tokens[0].message_id).toBe(assistant.id);
    const end = res.events.at(-1)!.data;
    expect(end).toMatchObject({ thread_id: threadId, status: "success", run_id: res.events[0].data.run_id });
    expect(end.checkpoint_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(end.usage.output_tokens).toBe(3);
    expect(end.usage.total_tokens).toBe(end.usage.input_tokens + 3);
    expect(end.ttft_ms).toBeGreaterThanOrEqual(0);
    expect(end.latency_ms).toBeGreaterThanOrEqual(end.ttft_ms);
  });

  it("sends tool_start and tool_end around a tool call, then the answer", async () => {
    t.mock.script([{ toolCalls: [{ id: "call_1", name: "calculator", args: { expression: "6*7" } }] }, { text: "It is 42." }]);
    const res = await chat(t.url, { message: "what is 6*7?" });
    const start = res.events.find((e) => e.event === "tool_start")!.data;
    const end = res.events.find((e) => e.event === "tool_end")!.data;
    expect(start).toEqual({ type: "tool_start", id: "call_1", name: "calculator", input: { expression: "6*7" } });
    expect(end).toMatchObject({ type: "tool_end", id: "call_1", name: "calculator", output: "42" });
    expect(end.duration_ms).toBeGreaterThanOrEqual(0);
    const roles = res.events.filter((e) => e.event === "message").map((e) => e.data.role);
    expect(roles).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(res.events.find((e) => e.event === "message" && e.data.role === "assistant")!.data.tool_calls).toEqual([
      { id: "call_1", name: "calculator", args: { expression: "6*7" } },
    ]);
    expect(t.mock.requests.at(-1)!.messages.at(-1)).toMatchObject({ role: "tool", content: "42", tool_call_id: "call_1" });
  });

  it("sends doc events from the drafting graph", async () => {
    t.mock.script({ text: "# Launch plan\n\nShip it on Monday." });
    const res = await chat(t.url, { message: "draft a launch plan", assistant_id: "draft" });
    const doc = res.events.find((e) => e.event === "doc")!.data;
    expect(doc).toEqual({ type: "doc", title: "Launch plan", content: "# Launch plan\n\nShip it on Monday.", version: 1 });
    expect(res.events.at(-1)!.event).toBe("end");
  });

  it("sends heartbeat comments while the model is silent", async () => {
    t.mock.script({ text: "slow answer", firstTokenDelayMs: 450 });
    const res = await chat(t.url, { message: "take your time" });
    expect(res.comments.filter((c) => c === "heartbeat").length).toBeGreaterThanOrEqual(2);
    expect(res.body).toContain(": heartbeat\n\n");
    expect(res.events.at(-1)!.event).toBe("end");
  });

  it("never compresses the stream, even when the client accepts gzip", async () => {
    const res = await chat(t.url, { message: "hi" }, { "accept-encoding": "gzip, br" });
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(res.events.at(-1)!.event).toBe("end");
  });
});
