import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

// A process that died after a run's last checkpoint but before projecting it left the thread idle
// with its mirror behind: the thread's read notices it (read with the thread in one statement) and
// brings the mirror up to the newest checkpoint before answering, on either API.
describe("a thread whose mirror is behind its checkpoints", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  const setBack = async (threadId: string, headCheckpointId: string, keep: string[]) => {
    await t.db.pool.query("DELETE FROM messages WHERE thread_id = $1 AND NOT (message_id = ANY($2::text[]))", [threadId, keep]);
    await t.db.pool.query("UPDATE threads SET head_checkpoint_id = $2, message_count = $3 WHERE thread_id = $1", [threadId, headCheckpointId, keep.length]);
  };

  it("is brought up to date when it is read, natively or by an Agent Server run", async () => {
    const first = await chat(t.url, { message: "first turn" });
    const threadId = first.headers.get("x-thread-id")!;
    const firstEnd = first.events.at(-1)!.data;
    const firstIds = first.events.filter((e) => e.event === "message").map((e) => e.data.id as string);
    const second = await chat(t.url, { message: "second turn", thread_id: threadId });
    const secondEnd = second.events.at(-1)!.data;

    await setBack(threadId, firstEnd.checkpoint_id, firstIds);
    const read = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    expect(read).toMatchObject({ status: "idle", head_checkpoint_id: secondEnd.checkpoint_id, message_count: 4 });
    expect(read.messages.map((m: { content: string }) => m.content).slice(0, 3)).toEqual(["first turn", expect.any(String), "second turn"]);

    await setBack(threadId, firstEnd.checkpoint_id, firstIds);
    const run = await fetch(`${t.url}/threads/${threadId}/runs/wait`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "chat", input: { messages: [{ role: "user", content: "third turn" }] } }),
    });
    expect(run.status).toBe(200);
    // The run's answer comes with its final values; its end is recorded (the thread idle again) just after.
    let after = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    for (let i = 0; i < 100 && after.status !== "idle"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    }
    expect(after.message_count).toBe(6);
    expect(after.messages.map((m: { content: string }) => m.content).filter((c: string) => c.endsWith(" turn"))).toEqual(["first turn", "second turn", "third turn"]);
  });
});
