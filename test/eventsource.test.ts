import { EventSource, type FetchLike } from "eventsource";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestService, type TestService } from "./helpers/test-service.js";

interface Received {
  events: { type: string; id: string; data: any }[];
  /** Every HTTP request the EventSource made, with the Last-Event-ID it sent and the status it got. */
  requests: { lastEventId: string | null; status: number }[];
}

/** Opens a real EventSource on GET /chat and records the native protocol's events. */
function open(url: string): { es: EventSource; received: Received } {
  const received: Received = { events: [], requests: [] };
  const recordingFetch: FetchLike = async (input, init) => {
    const response = await fetch(input, init);
    received.requests.push({ lastEventId: new Headers(init?.headers).get("last-event-id"), status: response.status });
    return response;
  };
  const es = new EventSource(url, { fetch: recordingFetch });
  for (const type of ["start", "token", "message", "end", "error"]) {
    es.addEventListener(type, (e) => {
      if ("data" in e && typeof e.data === "string") received.events.push({ type, id: (e as MessageEvent).lastEventId, data: JSON.parse(e.data) });
    });
  }
  return { es, received };
}

/** Resolves on `end`; rejects on the protocol's `error` event or a connection that failed for good. */
function ended(es: EventSource): Promise<void> {
  return new Promise((resolve, reject) => {
    es.addEventListener("end", () => resolve(), { once: true });
    es.addEventListener("error", (e) => {
      if ("data" in e) reject(new Error(`error event: ${String(e.data)}`));
      else if (es.readyState === EventSource.CLOSED) reject(new Error("the EventSource could not connect"));
    });
  });
}

const query = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe("GET /chat with a real EventSource", () => {
  let t: TestService;
  let threadId: string;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  // The browser-style client sees start, each token, the messages and end, as named events.
  it("streams a turn as named events", async () => {
    t.mock.script({ text: "Hello from the event source" });
    const { es, received } = open(`${t.url}/chat?${query({ message: "hi there" })}`);
    try {
      await ended(es);
    } finally {
      es.close();
    }
    const types = received.events.map((e) => e.type);
    expect(types[0]).toBe("start");
    expect(types.at(-1)).toBe("end");
    expect(types.filter((type) => type === "error")).toEqual([]);
    for (const e of received.events) expect(e.data.type).toBe(e.type);
    expect(received.events.map((e) => e.id)).toEqual(received.events.map((_, i) => String(i + 1)));
    const tokens = received.events.filter((e) => e.type === "token").map((e) => e.data.content);
    expect(tokens.join("")).toBe("Hello from the event source");
    expect(received.events.filter((e) => e.type === "message").map((e) => [e.data.role, e.data.content])).toEqual([
      ["user", "hi there"],
      ["assistant", "Hello from the event source"],
    ]);
    const start = received.events[0].data;
    threadId = start.thread_id;
    expect(received.events.at(-1)!.data).toMatchObject({ thread_id: threadId, run_id: start.run_id, status: "success" });
    expect(received.requests).toEqual([{ lastEventId: null, status: 200 }]);
  });

  // thread_id in the query continues the conversation: the model gets the earlier turn too.
  it("continues the same thread with thread_id", async () => {
    t.mock.script({ text: "I remember" });
    const { es, received } = open(`${t.url}/chat?${query({ message: "do you remember?", thread_id: threadId })}`);
    try {
      await ended(es);
    } finally {
      es.close();
    }
    expect(received.events[0].data.thread_id).toBe(threadId);
    expect(received.events.filter((e) => e.type === "token").map((e) => e.data.content).join("")).toBe("I remember");
    const sent = t.mock.requests.at(-1)!.messages.filter((m: { role: string }) => m.role !== "system");
    expect(sent).toEqual([
      { role: "user", content: "hi there" },
      { role: "assistant", content: "Hello from the event source" },
      { role: "user", content: "do you remember?" },
    ]);
    const thread = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    expect(thread.message_count).toBe(4);
  });

  // After `end` the server closes the stream and the EventSource reconnects on its own, sending
  // Last-Event-ID. The server answers 204, which stops it, instead of running the message again.
  it("does not start a second run when the EventSource reconnects", async () => {
    t.mock.script({ text: "only once" });
    const modelCalls = t.mock.requests.length;
    const { rows: before } = await t.db.pool.query("SELECT count(*)::int AS runs FROM runs");
    const { es, received } = open(`${t.url}/chat?${query({ message: "say it once" })}`);
    try {
      await ended(es);
      // The reconnect comes after the default 3 s retry; a 204 makes the EventSource give up.
      await vi.waitFor(() => expect(received.requests).toHaveLength(2), { timeout: 10_000, interval: 50 });
      await vi.waitFor(() => expect(es.readyState).toBe(EventSource.CLOSED));
    } finally {
      es.close();
    }
    const endId = received.events.at(-1)!.id;
    expect(received.events.at(-1)!.type).toBe("end");
    expect(received.requests).toEqual([
      { lastEventId: null, status: 200 },
      { lastEventId: endId, status: 204 },
    ]);
    expect(t.mock.requests.length - modelCalls).toBe(1);
    const { rows: after } = await t.db.pool.query("SELECT count(*)::int AS runs FROM runs");
    expect(after[0].runs - before[0].runs).toBe(1);
    const threadId = received.events[0].data.thread_id;
    const thread = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    expect(thread.messages.map((m: { content: string }) => m.content)).toEqual(["say it once", "only once"]);
  });
});
