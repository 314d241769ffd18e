import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { watchClientQueries } from "../../test/helpers/watch-client-queries.js";
import { CHECKPOINT_SCHEMA, createCheckpointer } from "./create-checkpointer.js";
import { messageStoreSql } from "./message-store-sql.js";
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

/** The ids of the messages a read's statement named as known: its third parameter from the end (see knownParams). */
const namedIds = (values: unknown[]) => (JSON.parse(values.at(-3) as string) as [string, string][]).map(([id]) => id);

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

  it("sends a reader only the messages it has not built, and builds again one whose fields were reassigned since", async () => {
    const db = await createTestDatabase();
    const graph = echoGraph(createCheckpointer(db.pool));
    const thread = { configurable: { thread_id: "known" } };
    for (let i = 1; i <= 3; i++) await graph.invoke({ messages: [new HumanMessage({ id: `human-${i}`, content: `hello ${i}` })] }, thread);
    const all = (await db.pool.query(`SELECT message_id, hash FROM ${CHECKPOINT_SCHEMA}.checkpoint_messages WHERE thread_id = 'known'`)).rows;

    // The statement leaves out what the reader names for this thread's namespace, and only that.
    const select = messageStoreSql(CHECKPOINT_SCHEMA).select("WHERE thread_id = $1 AND checkpoint_ns = $2", "LIMIT 1", 3);
    const read = (known: [string | null, string | null, typeof all], lists: [string[], string[]] = [[], []]) =>
      db.pool.query(select, ["known", "", known[0], known[1], JSON.stringify(known[2].map((r) => [r.message_id, r.hash])), ...lists]);
    const sent = async (known: [string | null, string | null, typeof all], lists?: [string[], string[]]) =>
      ((await read(known, lists)).rows[0].messages ?? []).map((m: string[]) => m[2]).sort();
    expect(await sent([null, null, []])).toHaveLength(6);
    expect(await sent(["known", "", all])).toEqual([]);
    expect(await sent(["known", "", all.slice(2)])).toEqual(all.slice(0, 2).map((r) => r.message_id).sort());
    expect(await sent(["known", "other-ns", all])).toHaveLength(6);
    expect(await sent(["other-thread", "", all])).toHaveLength(6);

    // A list the reader holds whole ends the chain there, and none of its messages is sent: the
    // head's list read alone, where without it the chain goes down to the thread's first list.
    const head = (await read([null, null, []])).rows[0];
    const headList = head.lists.find((l: string[]) => l[2] === "messages")[3];
    expect(head.lists.length).toBeGreaterThan(1);
    const floored = (await read(["known", "", []], [["messages"], [headList]])).rows[0];
    expect(floored.lists.map((l: string[]) => l[3])).toEqual([headList]);
    expect(floored.messages).toBeNull();
    // Only in the reader's own thread and namespace.
    expect((await read(["known", "other-ns", []], [["messages"], [headList]])).rows[0].lists.length).toBe(head.lists.length);

    // A reader's second read (its messages known) reads what a reader that knows nothing reads.
    const reader = echoGraph(createCheckpointer(db.pool));
    const history = async (g: ReturnType<typeof echoGraph>) => {
      const states = [];
      for await (const state of g.getStateHistory(thread)) states.push(JSON.stringify(state.values.messages ?? []));
      return states;
    };
    const first = await history(reader);
    expect(await history(reader)).toEqual(first);
    expect(await history(echoGraph(createCheckpointer(db.pool)))).toEqual(first);

    // A message of the reader's own edited in place (against LangChain's habits) is fetched and built
    // again, though it belongs to a list the reader holds whole.
    const state = await reader.getState(thread);
    state.values.messages[0].content = "edited in place";
    expect(text((await reader.getState(thread)).values.messages)[0]).toBe("hello 1");
    expect(await history(reader)).toEqual(first);
  });

  it("reads a thread it wrote on the lists it wrote: a turn's read and a page of history read no list below them and no message again", async () => {
    const db = await createTestDatabase();
    const graph = echoGraph(createCheckpointer(db.pool));
    const thread = { configurable: { thread_id: "own-lists" } };
    const turn = (i: number) => graph.invoke({ messages: [new HumanMessage({ id: `human-${i}`, content: `hello ${i}` })] }, thread);
    for (let i = 1; i <= 3; i++) await turn(i);

    // What the checkpoint reads of the next statements named as known, and got from the server.
    const reads: { named: unknown[]; lists: unknown[] | null; messages: unknown[] | null }[] = [];
    const unwatch = watchClientQueries(({ text, values }) => {
      if (!text.includes("WITH RECURSIVE page AS")) return null;
      return (r) => r && reads.push({ named: namedIds(values), ...r.rows[0] });
    });
    const page = async (g: ReturnType<typeof echoGraph>) => {
      for await (const state of g.getStateHistory(thread, { limit: 5 })) void state;
    };
    try {
      await turn(4);
      // A page of history: every list of it an earlier version of the head's, which grew by appending.
      await page(graph);
      // A saver that knows nothing of the thread (another replica) gets the chains and every message.
      const stranger = echoGraph(createCheckpointer(db.pool));
      await stranger.getState(thread);
      await page(stranger);
    } finally {
      unwatch();
    }
    expect(reads).toHaveLength(4);
    const [turnRead, pageRead, strangerRead, strangerPage] = reads;
    expect(turnRead.lists).toHaveLength(1);
    expect(turnRead.messages).toBeNull();
    // The turn's read stands on the head list, which holds every message the saver knows: it names none.
    expect(turnRead.named).toEqual([]);
    // A page of history may reach lists below the ones the saver holds: it names all it knows.
    expect(pageRead.named).toHaveLength(8);
    const versions = [];
    for await (const tuple of createCheckpointer(db.pool).list(thread, { limit: 5 })) versions.push(tuple.checkpoint.channel_versions.messages);
    expect(new Set(pageRead.lists!.map((l) => (l as string[])[3]))).toEqual(new Set(versions.filter((v) => v !== undefined).map(String)));
    expect(pageRead.messages).toBeNull();
    expect(strangerRead.lists!.length).toBeGreaterThan(1);
    expect(strangerRead.messages).toHaveLength(8);
    // Its page reads the lists again (it remembered the head only), the messages not.
    expect(strangerPage.lists!.length).toBeGreaterThan(pageRead.lists!.length);
    expect(strangerPage.messages).toBeNull();
    expect(text((await graph.getState(thread)).values.messages)).toEqual([1, 2, 3, 4].flatMap((i) => [`hello ${i}`, `echo: hello ${i}`]));
  });

  it("names in a turn's read only the known messages its head list does not hold, and reads the list whole all the same", async () => {
    const db = await createTestDatabase();
    const graph = echoGraph(createCheckpointer(db.pool));
    const thread = { configurable: { thread_id: "named" } };
    for (let i = 1; i <= 2; i++) await graph.invoke({ messages: [new HumanMessage({ id: `human-${i}`, content: `hello ${i}` })] }, thread);
    // The first reply rewritten under its id: the saver knows both versions, the head list holds the new one.
    await graph.updateState(thread, { messages: [new AIMessage({ id: "echo-1", content: "rewritten" })] });

    const named: unknown[][] = [];
    const unwatch = watchClientQueries(({ text, values }) => (text.includes("WITH RECURSIVE page AS") && named.push(namedIds(values)), null));
    try {
      expect(text((await graph.getState(thread)).values.messages)).toEqual(["hello 1", "rewritten", "hello 2", "echo: hello 2"]);
    } finally {
      unwatch();
    }
    expect(named).toEqual([["echo-1"]]);
    expect(text((await echoGraph(createCheckpointer(db.pool)).getState(thread)).values.messages)).toEqual(["hello 1", "rewritten", "hello 2", "echo: hello 2"]);
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
