import { describe, expect, it } from "vitest";
import { sdkStatus, sdkSuite } from "./helpers/sdk-clients.js";

type Values = { messages: { type: string; content: string }[] };

const human = (content: string) => ({ messages: [{ role: "user", content }] });
const contents = (values: unknown) => (values as Values).messages.map((m) => m.content);

// `after_seconds`: a run created for later waits in the PostgreSQL queue until it is due, holding its
// thread (busy, no state update) as a queued run does; it can be cancelled before it starts.
describe("Agent Server runs: after_seconds", () => {
  const s = sdkSuite();

  it("a run for later stays pending until it is due, then runs; meanwhile the thread is busy and its state cannot be updated", async () => {
    const { thread_id } = await s.alice.threads.create();
    const requests = s.t.mock.requests.length;
    s.t.mock.script({ text: "Later answer" });
    const createdAt = Date.now();
    const run = await s.alice.runs.create(thread_id, "chat", { input: human("in a second"), afterSeconds: 1 });
    expect(run.status).toBe("pending");
    expect((await s.alice.runs.list(thread_id, { status: "pending" })).map((r) => r.run_id)).toEqual([run.run_id]);
    expect((await s.alice.threads.get(thread_id)).status).toBe("busy");
    // A state written now would be the state the run starts from: refused, as for a running run.
    expect(await sdkStatus(s.alice.threads.updateState(thread_id, { values: human("sneaked in"), asNode: "agent" }))).toBe(409);
    expect(s.t.mock.requests.length, "the run reached the model before it was due").toBe(requests);

    expect(contents(await s.alice.runs.join(thread_id, run.run_id))).toEqual(["in a second", "Later answer"]);
    // The database's clock decides when it is due, so it cannot have started sooner.
    expect(Date.now() - createdAt).toBeGreaterThanOrEqual(1_000);
    expect((await s.alice.runs.get(thread_id, run.run_id)).status).toBe("success");
    expect((await s.alice.threads.get(thread_id)).status).toBe("idle");
  });

  it("a run created after one that is not due yet runs first; the one for later can be cancelled before it starts", async () => {
    const { thread_id } = await s.alice.threads.create();
    const later = await s.alice.runs.create(thread_id, "chat", { input: human("much later"), afterSeconds: 300 });
    // With reject, a thread that has a run waiting is busy.
    expect(await sdkStatus(s.alice.runs.create(thread_id, "chat", { input: human("now"), multitaskStrategy: "reject" }))).toBe(409);
    s.t.mock.script({ text: "Now answer" });
    const now = await s.alice.runs.create(thread_id, "chat", { input: human("now"), multitaskStrategy: "enqueue" });
    expect(contents(await s.alice.runs.join(thread_id, now.run_id))).toEqual(["now", "Now answer"]);
    expect((await s.alice.runs.get(thread_id, later.run_id)).status).toBe("pending");
    expect((await s.alice.threads.get(thread_id)).status).toBe("busy");

    await s.alice.runs.cancel(thread_id, later.run_id);
    await s.alice.runs.join(thread_id, later.run_id);
    expect((await s.alice.runs.get(thread_id, later.run_id)).status).toBe("interrupted");
    expect((await s.alice.threads.get(thread_id)).status).toBe("idle");
    await s.alice.threads.updateState(thread_id, { values: { messages: [{ type: "ai", content: "edited in" }] }, asNode: "agent" });
    expect(contents((await s.alice.threads.getState(thread_id)).values)).toEqual(["now", "Now answer", "edited in"]);
  });

  it("a stateless run for later makes its thread at once and runs when due; a negative delay is refused", async () => {
    s.t.mock.script({ text: "Stateless answer" });
    const run = await s.alice.runs.create(null, "chat", { input: human("stateless"), afterSeconds: 0.5 });
    expect(run.status).toBe("pending");
    expect(contents(await s.alice.runs.join(run.thread_id, run.run_id))).toEqual(["stateless", "Stateless answer"]);
    // Its thread went with it, as a stateless run's does.
    expect(await sdkStatus(s.alice.threads.get(run.thread_id))).toBe(404);
    expect(await sdkStatus(s.alice.runs.create(null, "chat", { input: human("x"), afterSeconds: -1 }))).toBe(400);
  });
});
