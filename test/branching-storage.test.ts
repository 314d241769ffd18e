import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { describe, expect, it } from "vitest";
import { CHECKPOINT_SCHEMA, createCheckpointer } from "../src/db/create-checkpointer.js";
import { createTestDatabase } from "./helpers/test-database.js";

/** A graph whose one node answers each message with an echo: two steps per run. */
function echoGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode("echo", (state) => ({ messages: [new AIMessage(`echo: ${state.messages.at(-1)!.content}`)] }))
    .addEdge(START, "echo")
    .addEdge("echo", END)
    .compile({ checkpointer });
}

const text = (messages: BaseMessage[]) => messages.map((m) => String(m.content));

/**
 * Branch twice from one checkpoint, run each branch two more turns, and read both back. With
 * integer channel versions both branches mint the same versions, and the second branch's blobs
 * are dropped in favour of the first one's (langgraphjs issue 1812).
 */
async function branchTwice(checkpointer: BaseCheckpointSaver, threadId: string) {
  const graph = echoGraph(checkpointer);
  const thread = { configurable: { thread_id: threadId } };
  const say = async (content: string, checkpointId?: string) => {
    const config = { configurable: { thread_id: threadId, ...(checkpointId ? { checkpoint_id: checkpointId } : {}) } };
    await graph.invoke({ messages: [new HumanMessage(content)] }, config);
    return (await graph.getState(thread)).config.configurable!.checkpoint_id as string;
  };
  const root = await say("root");
  let a = await say("a1", root);
  a = await say("a2", a);
  let b = await say("b1", root);
  b = await say("b2", b);
  const read = async (checkpointId: string) => text((await graph.getState({ configurable: { thread_id: threadId, checkpoint_id: checkpointId } })).values.messages);
  return { a: await read(a), b: await read(b) };
}

describe("branching in storage", () => {
  const expected = {
    a: ["root", "echo: root", "a1", "echo: a1", "a2", "echo: a2"],
    b: ["root", "echo: root", "b1", "echo: b1", "b2", "echo: b2"],
  };

  it("keeps two branches from one checkpoint apart with our checkpointer", async () => {
    const db = await createTestDatabase();
    expect(await branchTwice(createCheckpointer(db.pool), "11111111-1111-4111-8111-111111111111")).toEqual(expected);
  });

  // The same scenario on the stock saver shows the bug our checkpointer exists to fix. If a future
  // release fixes it, this test fails, and ThreadloomSaver.getNextVersion can go.
  it("mixes the branches up with the stock PostgresSaver 1.0.5", async () => {
    const db = await createTestDatabase();
    const stock = new PostgresSaver(db.pool, undefined, { schema: CHECKPOINT_SCHEMA });
    const { a, b } = await branchTwice(stock, "22222222-2222-4222-8222-222222222222");
    expect(a).toEqual(expected.a);
    // Branch B reads branch A's messages: its versions collided with A's and its blobs were dropped.
    expect(b).toEqual(expected.a);
  });

  // Threads written by the stock saver (integer versions) go on under ours, and branch safely from then on.
  it("continues a thread the stock saver wrote", async () => {
    const db = await createTestDatabase();
    const threadId = "33333333-3333-4333-8333-333333333333";
    const stockGraph = echoGraph(new PostgresSaver(db.pool, undefined, { schema: CHECKPOINT_SCHEMA }));
    await stockGraph.invoke({ messages: [new HumanMessage("old")] }, { configurable: { thread_id: threadId } });
    const saver = createCheckpointer(db.pool);
    const graph = echoGraph(saver);
    await graph.invoke({ messages: [new HumanMessage("new")] }, { configurable: { thread_id: threadId } });
    const state = await graph.getState({ configurable: { thread_id: threadId } });
    expect(text(state.values.messages)).toEqual(["old", "echo: old", "new", "echo: new"]);
    // Versions stay numbers (LangGraph compares numbers with strings as text), now with fractions.
    const versions = Object.values((await saver.getTuple(state.config))!.checkpoint.channel_versions);
    expect(versions.every((v) => typeof v === "number")).toBe(true);
    expect(versions.some((v) => !Number.isInteger(v))).toBe(true);
  });
});
