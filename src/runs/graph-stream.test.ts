import { Annotation, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import type { AnyGraph } from "./graph-registry.js";
import { streamGraph } from "./graph-stream.js";

const State = Annotation.Root({ said: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }) });

function echoGraph(node: (state: typeof State.State) => Promise<Partial<typeof State.State>>): AnyGraph {
  return new StateGraph(State).addNode("echo", node).addEdge(START, "echo").addEdge("echo", END).compile({ checkpointer: new MemorySaver() }) as unknown as AnyGraph;
}

async function collect(parts: AsyncIterable<unknown>): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const part of parts) all.push(part);
  return all;
}

describe("streamGraph", () => {
  it("streams a graph's parts in the modes asked for", async () => {
    const graph = echoGraph(async () => ({ said: ["hello"] }));
    const parts = await collect(streamGraph(graph, { said: ["hi"] }, { streamMode: ["updates", "values"], configurable: { thread_id: "t1" } }));
    expect(parts).toEqual([["values", { said: ["hi"] }], ["updates", { echo: { said: ["hello"] } }], ["values", { said: ["hi", "hello"] }]]);
  });

  it("runs a graph read from inside another graph's node as a top-level run of its own thread, not as a subgraph", async () => {
    const inner = echoGraph(async () => ({ said: ["inner"] }));
    const outer = echoGraph(async () => {
      // As a graph's node reaching the service in-process would: inside LangChain's context of the node.
      await collect(streamGraph(inner, { said: ["asked"] }, { streamMode: ["values"], configurable: { thread_id: "inner-thread" } }));
      return { said: ["outer"] };
    });
    await collect(streamGraph(outer, { said: [] }, { streamMode: ["values"], configurable: { thread_id: "outer-thread" } }));
    const state = await inner.getState({ configurable: { thread_id: "inner-thread" } });
    expect(state.values).toEqual({ said: ["asked", "inner"] });
    expect(state.config.configurable?.checkpoint_ns).toBe("");
  });

  it("ends the stream with the signal's reason while the graph is stuck in a step", async () => {
    const graph = echoGraph(() => new Promise(() => {}));
    const controller = new AbortController();
    const parts = collect(streamGraph(graph, { said: [] }, { streamMode: ["values"], configurable: { thread_id: "t2" }, signal: controller.signal }));
    setTimeout(() => controller.abort(new Error("stopped")), 50);
    await expect(parts).rejects.toThrow("stopped");
  });
});
