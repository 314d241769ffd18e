import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { validate } from "@langchain/langgraph-checkpoint-validation";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { CHECKPOINT_SCHEMA, createCheckpointer } from "./create-checkpointer.js";
import type { ThreadloomSaver } from "./threadloom-saver.js";

// LangGraph's own conformance suite for checkpoint savers, run against ours on a real PostgreSQL:
// each set of validations gets a fresh database cloned from the migrated template.
validate<ThreadloomSaver>({
  checkpointerName: "ThreadloomSaver",
  async createCheckpointer() {
    const db = await createTestDatabase();
    return createCheckpointer(db.pool);
  },
});

describe("the saver's channel values", () => {
  it("writes no row for a channel emptied at a version, and reads one as empty, as it reads an 'empty' row written before", async () => {
    const db = await createTestDatabase();
    const graph = (saver: ThreadloomSaver) => new StateGraph(MessagesAnnotation)
      .addNode("echo", (state) => ({ messages: [new AIMessage({ id: `echo-${state.messages.length}`, content: "echo" })] }))
      .addEdge(START, "echo")
      .addEdge("echo", END)
      .compile({ checkpointer: saver, interruptBefore: ["echo"] });
    const thread = { configurable: { thread_id: "emptied" } };
    const writer = graph(createCheckpointer(db.pool));
    await writer.invoke({ messages: [new HumanMessage({ id: "human-1", content: "hello" })] }, thread);
    await writer.invoke(null, thread);

    const blobs = async () => (await db.pool.query(
      `SELECT c.checkpoint_id, v.key AS channel, v.value AS version, b.type
       FROM ${CHECKPOINT_SCHEMA}.checkpoints c CROSS JOIN jsonb_each_text(c.checkpoint -> 'channel_versions') v
       LEFT JOIN ${CHECKPOINT_SCHEMA}.checkpoint_blobs b ON b.thread_id = c.thread_id AND b.checkpoint_ns = c.checkpoint_ns AND b.channel = v.key AND b.version = v.value
       WHERE c.thread_id = 'emptied' AND v.key = 'branch:to:echo' ORDER BY c.checkpoint_id`,
    )).rows as { checkpoint_id: string; version: string; type: string | null }[];
    // The trigger is set by the step that leads to `echo`, and emptied by echo's step, at a version of its own.
    const rows = await blobs();
    expect(rows.map((r) => r.type)).toEqual(["json", null]);
    expect(new Set(rows.map((r) => r.version)).size).toBe(2);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM ${CHECKPOINT_SCHEMA}.checkpoint_blobs WHERE thread_id = 'emptied' AND type = 'empty'`)).rows[0].n).toBe(0);

    // Each state reads as LangGraph wrote it: the paused one waits for `echo`, the last for nothing.
    const read = async () => {
      const states = [];
      for await (const state of graph(createCheckpointer(db.pool)).getStateHistory(thread)) states.push([state.next, state.values.messages?.length ?? 0]);
      return states;
    };
    const expected = [[[], 2], [["echo"], 1], [["__start__"], 0]];
    expect(await read()).toEqual(expected);

    // A thread written before, with an 'empty' row for the emptied version, reads the same.
    const last = rows.at(-1)!;
    await db.pool.query(
      `INSERT INTO ${CHECKPOINT_SCHEMA}.checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob) VALUES ('emptied', '', 'branch:to:echo', $1, 'empty', NULL)`,
      [last.version],
    );
    expect((await blobs()).map((r) => r.type)).toEqual(["json", "empty"]);
    expect(await read()).toEqual(expected);
  });
});
