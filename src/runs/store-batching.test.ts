import { Annotation, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";
import { type BaseStore, InMemoryStore, type Operation, type OperationResults } from "@langchain/langgraph-checkpoint";
import { describe, expect, it } from "vitest";
import { batchStoreOperationsOnDemand } from "./store-batching.js";

const State = Annotation.Root({ found: Annotation<unknown> });
type Node = (store: BaseStore) => Promise<unknown>;

/** An in-memory store that keeps each `batch()` call it is given. */
class CountingStore extends InMemoryStore {
  calls: (readonly Operation[])[] = [];
  failNext = false;
  override async batch<Op extends readonly Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    this.calls.push(operations);
    if (this.failNext) {
      this.failNext = false;
      throw new Error("store unavailable");
    }
    return super.batch(operations);
  }
}

/** A one-node graph whose node is `node`, given the run's store; returns what it found. */
function graphWith(store: BaseStore, node: Node) {
  return new StateGraph(State)
    .addNode("work", async (_state, config: LangGraphRunnableConfig) => ({ found: await node(config.store!) }))
    .addEdge(START, "work")
    .compile({ store });
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

/** Starts `count` runs that each wait in their node until released; resolves with the timers held meanwhile. */
async function timersHeldByWaitingRuns(count: number): Promise<number> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let waiting = 0;
  const graph = graphWith(new InMemoryStore(), async () => {
    waiting += 1;
    await released;
  });
  const before = timers();
  const runs = Array.from({ length: count }, () => graph.invoke({}));
  while (waiting < count) await new Promise((resolve) => setImmediate(resolve));
  const held = timers() - before;
  release();
  await Promise.all(runs);
  return held;
}

describe("batchStoreOperationsOnDemand", () => {
  it("takes away the timer LangGraph's store wrapper polls with for every running run", async () => {
    // LangGraph's own: each of 20 runs waiting in a node holds a timer.
    expect(await timersHeldByWaitingRuns(20)).toBeGreaterThanOrEqual(20);
    expect(batchStoreOperationsOnDemand()).toEqual([]);
    expect(await timersHeldByWaitingRuns(20)).toBeLessThan(2);
    // A second call changes nothing.
    expect(batchStoreOperationsOnDemand()).toEqual([]);
  });

  it("keeps put, get, search and delete working in a node", async () => {
    batchStoreOperationsOnDemand();
    const store = new InMemoryStore();
    const graph = graphWith(store, async (s) => {
      await s.put(["notes"], "a", { text: "alpha" });
      await s.put(["notes"], "b", { text: "beta" });
      const a = await s.get(["notes"], "a");
      await s.delete(["notes"], "b");
      const left = await s.search(["notes"]);
      return { a: a?.value, left: left.map((item) => item.key) };
    });
    expect((await graph.invoke({})).found).toEqual({ a: { text: "alpha" }, left: ["a"] });
    expect((await store.get(["notes"], "a"))?.value).toEqual({ text: "alpha" });
  });

  it("sends the operations of one tick in one batch, and awaited ones each in their own", async () => {
    batchStoreOperationsOnDemand();
    const store = new CountingStore();
    await store.put(["n"], "c", { v: 3 });
    store.calls = [];
    const graph = graphWith(store, async (s) => {
      const together = await Promise.all([s.put(["n"], "a", { v: 1 }), s.put(["n"], "b", { v: 2 }), s.get(["n"], "c")]);
      const first = await s.get(["n"], "a");
      const second = await s.get(["n"], "b");
      return [together[2]?.value, first?.value, second?.value];
    });
    expect((await graph.invoke({})).found).toEqual([{ v: 3 }, { v: 1 }, { v: 2 }]);
    expect(store.calls.map((ops) => ops.length)).toEqual([3, 1, 1]);
  });

  it("rejects each operation of a failed batch, and goes on with the next", async () => {
    batchStoreOperationsOnDemand();
    const store = new CountingStore();
    const graph = graphWith(store, async (s) => {
      store.failNext = true;
      const failed = await Promise.allSettled([s.put(["n"], "a", { v: 1 }), s.get(["n"], "a")]);
      await s.put(["n"], "b", { v: 2 });
      return [...failed.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "ok")), (await s.get(["n"], "b"))?.value];
    });
    expect((await graph.invoke({})).found).toEqual(["store unavailable", "store unavailable", { v: 2 }]);
  });

  it("completes an operation its node did not wait for before the run ends", async () => {
    batchStoreOperationsOnDemand();
    const store = new InMemoryStore();
    const graph = graphWith(store, async (s) => {
      void s.put(["n"], "later", { v: 1 });
      return "returned";
    });
    expect((await graph.invoke({})).found).toBe("returned");
    expect((await store.get(["n"], "later"))?.value).toEqual({ v: 1 });
  });
});
