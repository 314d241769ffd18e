import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "./helpers/problem.js";
import { SseReader, readSse, type SseEvent } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

// A native run's stream joined again after a dropped connection: GET /api/threads/:id/stream with
// Last-Event-ID, answered by the process running it and by another replica on the same database.
describe("joining a native run again", () => {
  let a: TestService;
  let b: TestService;
  const reply = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");

  beforeAll(async () => {
    a = await startTestService({ script: { text: reply, tokenDelayMs: 15 } });
    b = await startTestService({ db: a.db, mock: a.mock });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** Starts a turn, reads it until `tokens` tokens have come, then drops the connection. */
  const startAndDrop = async (threadId: string, tokens: number) => {
    const response = await fetch(`${a.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ thread_id: threadId, message: "hello" }) });
    const reader = new SseReader(response);
    const seen: SseEvent[] = [];
    for (let e = await reader.next(); e; e = await reader.next()) {
      seen.push(e);
      if (seen.filter((s) => s.event === "token").length === tokens) break;
    }
    await reader.cancel();
    return { seen, runId: response.headers.get("x-run-id")! };
  };
  const join = (service: TestService, threadId: string, lastEventId?: string, query = "") =>
    fetch(`${service.url}/api/threads/${threadId}/stream${query}`, { headers: lastEventId === undefined ? {} : { "Last-Event-ID": lastEventId } });
  const text = (events: SseEvent[]) => events.filter((e) => e.event === "token").map((e) => e.data.content).join("");

  it.each([
    ["the process running it", () => a],
    ["another replica", () => b],
  ])("continues after the last event the client has, from %s, each event once", async (_name, service) => {
    const threadId = `rejoin-${Math.random().toString(36).slice(2)}`;
    const { seen, runId } = await startAndDrop(threadId, 5);
    const last = seen.at(-1)!.id!;
    const rest = await readSse(await join(service(), threadId, last));
    expect(rest.status).toBe(200);
    expect(rest.headers.get("x-run-id")).toBe(runId);
    const all = [...seen, ...rest.events];
    // Numbered without a gap or a repeat, ending with the run's closing event.
    expect(all.map((e) => Number(e.id))).toEqual(all.map((_, i) => i + 1));
    expect(all.at(-1)).toMatchObject({ event: "end", data: { status: "success", run_id: runId, thread_id: threadId } });
    expect(text(all).replace(/\s+/g, " ").trim()).toBe(reply);

    // Once the client has it all there is nothing to join (an EventSource's reconnect stops); by its
    // run id the whole stream is there to read again.
    expect((await join(service(), threadId, rest.events.at(-1)!.id!, `?run_id=${runId}`)).status).toBe(204);
    expect((await join(service(), threadId)).status).toBe(204);
    const again = await readSse(await join(service(), threadId, undefined, `?run_id=${runId}`));
    expect(again.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  it("refuses what names no event or no run of the thread", async () => {
    const threadId = `rejoin-bad-${Math.random().toString(36).slice(2)}`;
    const { runId } = await startAndDrop(threadId, 1);
    await expectProblem(await join(a, threadId, "last"), 400, /Last-Event-ID/);
    await expectProblem(await join(a, threadId, undefined, "?run_id=nope"), 400, /run_id/);
    await expectProblem(await join(a, threadId, undefined, `?run_id=${crypto.randomUUID()}`), 404, /was not found/);
    await expectProblem(await join(a, "no-such-thread", undefined, `?run_id=${runId}`), 404, /no-such-thread/);
    // Wait for the run to end, so the service closes with nothing running.
    await readSse(await join(a, threadId, undefined, `?run_id=${runId}`));
  });
});
