import { describe, expect, it } from "vitest";
import { ALICE, sdkStatus, sdkSuite } from "./helpers/sdk-clients.js";
import { words } from "./helpers/live-chat.js";

type Chunk = { id?: string; event: string; data: any };

const human = (content: string) => ({ messages: [{ role: "user", content }] });

/** Reads a stream in the background; `until` resolves once a chunk matches. */
function reader(stream: AsyncGenerator<Chunk>) {
  const chunks: Chunk[] = [];
  const waiters: { match: (c: Chunk) => boolean; resolve: () => void }[] = [];
  const done = (async () => {
    for await (const chunk of stream) {
      chunks.push(chunk);
      for (const w of waiters.filter((x) => x.match(chunk))) w.resolve();
    }
  })().catch((err: Error) => {
    if (err.name !== "AbortError") throw err;
  });
  return {
    chunks,
    done,
    until: (match: (c: Chunk) => boolean) =>
      chunks.some(match) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ match, resolve })),
  };
}

const runDone = (runId: string) => (c: Chunk) => c.event === "run_done" && c.data.run_id === runId;
const withoutIds = (chunks: Chunk[]) => chunks.map(({ event, data }) => ({ event, data }));

// GET /threads/:id/stream (the SDK's threads.joinStream): a second tab follows the thread's runs.
describe("Agent Server API: following a thread's runs", () => {
  const s = sdkSuite();

  it("a second tab sees each run's events as the first tab does, then run_done, run after run, until it leaves", async () => {
    const { thread_id } = await s.alice.threads.create();
    const leave = new AbortController();
    const tab2 = reader(s.alice.threads.joinStream(thread_id, { signal: leave.signal }) as AsyncGenerator<Chunk>);

    // Long enough for the second tab's request to be in before the run ends (it then sees it from its start).
    s.t.mock.script({ text: words(12), tokenDelayMs: 40 });
    const tab1: Chunk[] = [];
    for await (const c of s.alice.runs.stream(thread_id, "chat", { input: human("first"), streamMode: ["values", "messages-tuple"] })) tab1.push(c);
    const first = tab1[0]!.data.run_id as string;
    await tab2.until(runDone(first));

    s.t.mock.script({ text: "Second answer" });
    const second = await s.alice.runs.create(thread_id, "chat", { input: human("second"), streamMode: ["values"] });
    await tab2.until(runDone(second.run_id));
    leave.abort();
    await tab2.done;

    const ofRun = (runId: string) => tab2.chunks.filter((c) => c.id?.startsWith(`${runId}:`));
    // The first run: exactly what its own stream sent, then run_done.
    expect(withoutIds(ofRun(first))).toEqual([...withoutIds(tab1), { event: "run_done", data: { run_id: first, status: "success" } }]);
    expect(ofRun(first).map((c) => c.id)).toEqual([...tab1.map((c) => `${first}:${c.id}`), `${first}:done`]);
    // The second, started by another client in the background, follows it.
    const secondEvents = ofRun(second.run_id);
    expect(secondEvents[0]).toMatchObject({ event: "metadata", data: { run_id: second.run_id } });
    expect(secondEvents.at(-2)!.data.messages.map((m: { content: string }) => m.content)).toEqual(["first", words(12), "second", "Second answer"]);
    expect(secondEvents.at(-1)).toMatchObject({ event: "run_done", data: { status: "success" } });
    expect(tab2.chunks).toHaveLength(ofRun(first).length + secondEvents.length);
  });

  it("continues after Last-Event-ID: the rest of that run, then the runs after it; `-` from the first; lifecycle shows each run's start and end only", async () => {
    const { thread_id } = await s.alice.threads.create();
    s.t.mock.script({ text: "One" });
    await s.alice.runs.wait(thread_id, "chat", { input: human("one") });
    s.t.mock.script({ text: "Two" });
    await s.alice.runs.wait(thread_id, "chat", { input: human("two") });
    const [two, one] = (await s.alice.runs.list(thread_id)).map((r) => r.run_id);

    const all = async (options: { lastEventId?: string; streamMode?: "lifecycle" | "run_modes" }) => {
      const leave = new AbortController();
      const tab = reader(s.alice.threads.joinStream(thread_id, { ...options, signal: leave.signal }) as AsyncGenerator<Chunk>);
      await tab.until(runDone(two!));
      leave.abort();
      await tab.done;
      return tab.chunks;
    };
    const everything = await all({ lastEventId: "-" });
    expect(everything.filter((c) => c.event === "run_done").map((c) => c.data.run_id)).toEqual([one, two]);
    const third = everything.find((c) => c.id?.startsWith(`${one}:`) && c.event === "values")!;
    const rest = await all({ lastEventId: third.id });
    expect(rest).toEqual(everything.slice(everything.indexOf(third) + 1));
    expect(await all({ lastEventId: `${one}:done` })).toEqual(everything.filter((c) => c.id!.startsWith(`${two}:`)));

    const lifecycle = await all({ lastEventId: "-", streamMode: "lifecycle" });
    expect(lifecycle.map((c) => c.event)).toEqual(["metadata", "run_done", "metadata", "run_done"]);
  });

  it("ends when the thread is deleted; refuses state_update, a Last-Event-ID of another shape, and another owner's thread", async () => {
    const { thread_id } = await s.alice.threads.create();
    // Followed from its first run on, so the tab is surely there before the thread goes.
    const tab = reader(s.alice.threads.joinStream(thread_id, { lastEventId: "-" }) as AsyncGenerator<Chunk>);
    const run = await s.alice.runs.create(thread_id, "chat", { input: human("hi") });
    await tab.until(runDone(run.run_id));
    await s.alice.threads.delete(thread_id);
    await tab.done;
    expect(tab.chunks.at(-1)!.event).toBe("run_done");

    const other = await s.alice.threads.create();
    const get = (query: string, headers: Record<string, string> = {}, key = ALICE) =>
      fetch(`${s.t.url}/threads/${other.thread_id}/stream${query}`, { headers: { "x-api-key": key, ...headers } });
    expect((await get("?stream_mode=state_update")).status).toBe(400);
    expect((await get("", { "Last-Event-ID": "42" })).status).toBe(400);
    expect(await sdkStatus(s.bob.threads.joinStream(other.thread_id).next())).toBe(404);
  });
});
