import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { ConversationRepository } from "./conversation-repository.js";
import type { MessageRow } from "./message-row.js";

const row = (messageId: string, position: number, content: string, extra: Partial<MessageRow> = {}): MessageRow => ({
  messageId, role: position % 2 === 0 ? "user" : "assistant", content, parts: null, toolCallId: null, name: null,
  metadata: { k: position }, inputTokens: null, outputTokens: null, totalTokens: null, latencyMs: null, ttftMs: null,
  model: null, providerId: null, status: "complete", parentId: null, position, ...extra,
});

describe("ConversationRepository.project", () => {
  // Every turn projects the whole head branch again: the earlier messages, unchanged, must not be
  // written again (a row version each, every turn, made a turn's cost grow with the thread).
  it("writes only the messages that are new or changed, and puts a message back on the head branch", async () => {
    const db = await createTestDatabase();
    const conversations = new ConversationRepository(db.pool);
    const threadId = randomUUID();
    await conversations.createThread({ threadId, owner: { tenantId: "t", userId: "u" }, graphId: "chat", assistantId: "chat", metadata: {} });
    const versions = async () =>
      Object.fromEntries((await db.pool.query("SELECT message_id, xmin::text AS v, on_head_branch, content, metadata FROM messages WHERE thread_id = $1", [threadId])).rows.map((r) => [r.message_id, r]));

    const first = [row("a", 0, "hi"), row("b", 1, "hello")];
    await conversations.project(threadId, first, "c1", "idle");
    const before = await versions();

    await conversations.project(threadId, [...first, row("c", 2, "more"), row("d", 3, "partial", { status: "partial" })], "c2", "idle");
    const second = await versions();
    expect(second.a.v).toBe(before.a.v);
    expect(second.b.v).toBe(before.b.v);
    expect(Object.keys(second).sort()).toEqual(["a", "b", "c", "d"]);

    // An edit: "b" rewritten (its metadata only), "c" and "d" off the branch, then "d" back on it.
    const edited = [row("a", 0, "hi"), row("b", 1, "hello", { metadata: { k: 1, edited: true } })];
    await conversations.project(threadId, edited, "c3", "idle");
    const third = await versions();
    expect(third.a.v).toBe(before.a.v);
    expect(third.b.v).not.toBe(before.b.v);
    expect(third.b.metadata).toEqual({ k: 1, edited: true });
    expect([third.c.on_head_branch, third.d.on_head_branch]).toEqual([false, false]);

    await conversations.project(threadId, [...edited, row("c", 2, "more"), row("d", 3, "done")], "c4", "idle");
    const fourth = await versions();
    expect([fourth.c.on_head_branch, fourth.d.on_head_branch, fourth.d.content]).toEqual([true, true, "done"]);
    expect(fourth.a.v).toBe(before.a.v);
    const thread = (await db.pool.query("SELECT message_count, head_checkpoint_id FROM threads WHERE thread_id = $1", [threadId])).rows[0];
    expect(thread).toEqual({ message_count: 4, head_checkpoint_id: "c4" });
  });
});
