import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { CHECKPOINT_SCHEMA, createCheckpointer } from "./create-checkpointer.js";
import type { ThreadloomSaver } from "./threadloom-saver.js";

/** A graph whose one node answers each message with an echo: two checkpoints a turn. */
function echoGraph(checkpointer: ThreadloomSaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode("echo", (state) => ({ messages: [new AIMessage({ id: `echo-${state.messages.length}`, content: `echo: ${state.messages.at(-1)!.content}` })] }))
    .addEdge(START, "echo")
    .addEdge("echo", END)
    .compile({ checkpointer });
}

const text = (messages: BaseMessage[]) => messages.map((m) => String(m.content));

describe("the message store", () => {
  it("stores each message once however many checkpoints hold it, and reads every checkpoint back whole", async () => {
    const db = await createTestDatabase();
    const saver = createCheckpointer(db.pool);
    const graph = echoGraph(saver);
    const thread = { configurable: { thread_id: "store-once" } };
    for (let i = 1; i <= 6; i++) await graph.invoke({ messages: [new HumanMessage({ id: `human-${i}`, content: `hello ${i}` })] }, thread);

    const count = async (sql: string) => (await db.pool.query(sql, ["store-once"])).rows[0].n as number;
    expect(await count(`SELECT count(*)::int AS n FROM ${CHECKPOINT_SCHEMA}.checkpoint_messages WHERE thread_id = $1`)).toBe(12);
    // Each message one row: no (id, hash) twice, no id under two hashes (none was rewritten).
    expect(await count(`SELECT count(DISTINCT message_id)::int AS n FROM ${CHECKPOINT_SCHEMA}.checkpoint_messages WHERE thread_id = $1`)).toBe(12);
    // The list's blobs are references, not messages (the input channel `__start__` holds each input once).
    const blobs = `SELECT count(*)::int AS n FROM ${CHECKPOINT_SCHEMA}.checkpoint_blobs WHERE thread_id = $1 AND channel = 'messages'`;
    expect(await count(`${blobs} AND type = 'msgrefs'`)).toBe(12);
    expect(await count(`${blobs} AND position('hello' in convert_from(blob, 'UTF8')) > 0`)).toBe(0);

    // Every checkpoint of the history, and the head, hold their lists as they were.
    const history = [];
    for await (const state of graph.getStateHistory(thread)) history.push(text(state.values.messages ?? []));
    expect(history).toHaveLength(3 * 6);
    expect(history[0]).toEqual([1, 2, 3, 4, 5, 6].flatMap((i) => [`hello ${i}`, `echo: hello ${i}`]));
    expect(history.map((h) => h.length)).toEqual([1, 2, 3, 4, 5, 6].reverse().flatMap((i) => [2 * i, 2 * i - 1, 2 * i - 2]));

    // A node's new messages are pending writes of the checkpoint before it, stored as references too.
    const written = [];
    for await (const tuple of createCheckpointer(db.pool).list(thread)) {
      for (const [, channel, value] of tuple.pendingWrites ?? []) if (channel === "messages") written.push(...text(value as BaseMessage[]));
    }
    expect(written.sort()).toEqual([1, 2, 3, 4, 5, 6].flatMap((i) => [`echo: hello ${i}`, `hello ${i}`]).sort());
    expect(await count(`SELECT count(*)::int AS n FROM ${CHECKPOINT_SCHEMA}.checkpoint_writes WHERE thread_id = $1 AND channel = 'messages' AND type <> 'msgrefs'`)).toBe(0);

    // A reader in another process (another saver: nothing remembered) reads the same.
    const fresh = echoGraph(createCheckpointer(db.pool));
    expect(text((await fresh.getState(thread)).values.messages)).toEqual(history[0]);
  });

  it("keeps a message rewritten under its id apart on each branch, and a copy and a deletion take the messages along", async () => {
    const db = await createTestDatabase();
    const saver = createCheckpointer(db.pool);
    const graph = echoGraph(saver);
    const thread = { configurable: { thread_id: "rewrite" } };
    await graph.invoke({ messages: [new HumanMessage({ id: "q", content: "first question" })] }, thread);
    await graph.invoke({ messages: [new HumanMessage({ id: "q2", content: "second" })] }, thread);
    const root = (await graph.getState(thread)).config;

    // Branch A rewrites the first answer (same id, new content), as an approval or an abort does.
    const a = await graph.updateState(root, { messages: [new AIMessage({ id: "echo-1", content: "rewritten answer" })] }, "echo");
    // Branch B, from the same checkpoint, rewrites it otherwise; a reader that knows nothing reads both.
    const b = await graph.updateState(root, { messages: [new AIMessage({ id: "echo-1", content: "another answer" })] }, "echo");
    const reader = echoGraph(createCheckpointer(db.pool));
    const read = async (config: typeof a) => text((await reader.getState(config)).values.messages);
    expect(await read(a)).toEqual(["first question", "rewritten answer", "second", "echo: second"]);
    expect(await read(b)).toEqual(["first question", "another answer", "second", "echo: second"]);
    expect(await read(root)).toEqual(["first question", "echo: first question", "second", "echo: second"]);
    const rows = await db.pool.query(`SELECT count(*)::int AS n FROM ${CHECKPOINT_SCHEMA}.checkpoint_messages WHERE thread_id = 'rewrite' AND message_id = 'echo-1'`);
    expect(rows.rows[0].n).toBe(3);

    // A branch copied into a new thread reads the same without the thread it came from.
    await saver.copyBranch("rewrite", "rewrite-copy", b.configurable!.checkpoint_id as string);
    // Deleted by another process: this saver still stands on the lists it wrote there.
    await createCheckpointer(db.pool).deleteThread("rewrite");
    expect(await read({ configurable: { thread_id: "rewrite-copy" } })).toEqual(["first question", "another answer", "second", "echo: second"]);
    const left = await db.pool.query(`SELECT count(*)::int AS n FROM ${CHECKPOINT_SCHEMA}.checkpoint_messages WHERE thread_id = 'rewrite'`);
    expect(left.rows[0].n).toBe(0);

    // So a new thread of the same id beginning the same way finds its base gone, and is written whole.
    await graph.invoke({ messages: [new HumanMessage({ id: "q", content: "first question" })] }, thread);
    expect(await read(thread)).toEqual(["first question", "echo: first question"]);
    const docs = await db.pool.query(`SELECT convert_from(blob, 'UTF8')::jsonb AS doc FROM ${CHECKPOINT_SCHEMA}.checkpoint_blobs WHERE thread_id = 'rewrite' AND type = 'msgrefs'`);
    expect(docs.rows.length).toBeGreaterThan(0);
  });
});
