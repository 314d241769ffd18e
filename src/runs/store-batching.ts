import { createRequire } from "node:module";
import { AsyncBatchedStore } from "@langchain/langgraph-checkpoint";
import type { BaseStore, Operation } from "@langchain/langgraph-checkpoint";

interface Pending {
  operation: Operation;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** The fields of LangGraph's AsyncBatchedStore (1.1) that its methods share. */
interface BatchedStore {
  store: BaseStore;
  queue: Map<number, Pending>;
  nextKey: number;
  running: boolean;
  processingTask: Promise<void> | null;
}

type BatchedStoreClass = { prototype: object; new (store: BaseStore): unknown };

const PATCHED = Symbol.for("threadloom.storeBatchingOnDemand");

/**
 * Sends the store operations a run issues in one tick as one `batch()` call, as LangGraph does, but
 * without its poll. LangGraph wraps the store of every run in an AsyncBatchedStore whose `start()`
 * loops on `await setTimeout(0)` until the run ends, operations or not: each running run held a
 * timer firing every millisecond. With a thousand streams waiting on a slow model those timers were
 * two thirds of all the memory the service allocated (235 MB/s) and kept the event loop busy; at
 * c50 they took CPU from every turn. Here an operation schedules a flush (`setImmediate`, so the
 * operations of the same tick go together); a run with no operations schedules nothing; `stop()`
 * waits for what is queued, as before.
 *
 * Patches the class's prototype, in the ESM and CommonJS copies LangGraph loads (graphs of either
 * kind resolve it from this service's packages). Call once at start-up; later calls do nothing.
 * Returns the copies it could not recognise (a LangGraph whose class changed): those keep their poll.
 */
export function batchStoreOperationsOnDemand(): string[] {
  const copies: [string, BatchedStoreClass][] = [["esm", AsyncBatchedStore as BatchedStoreClass]];
  const cjs = createRequire(import.meta.url)("@langchain/langgraph-checkpoint") as { AsyncBatchedStore?: BatchedStoreClass };
  if (cjs.AsyncBatchedStore && cjs.AsyncBatchedStore !== AsyncBatchedStore) copies.push(["cjs", cjs.AsyncBatchedStore]);
  return copies.filter(([, copy]) => !patch(copy)).map(([name]) => name);
}

function patch(copy: BatchedStoreClass): boolean {
  const proto = copy.prototype as Record<string | symbol, unknown>;
  if (proto[PATCHED]) return true;
  if (!recognised(copy)) return false;
  Object.assign(proto, {
    [PATCHED]: true,
    start(this: BatchedStore) {
      this.running = true;
    },
    async stop(this: BatchedStore) {
      this.running = false;
      await this.processingTask;
    },
    enqueueOperation(this: BatchedStore, operation: Operation) {
      return new Promise((resolve, reject) => {
        this.queue.set(this.nextKey++, { operation, resolve, reject });
        this.processingTask ??= flush(this);
      });
    },
    processBatchQueue(this: BatchedStore) {
      return (this.processingTask ??= flush(this));
    },
  });
  return true;
}

/** Whether `copy` is the class this patch was written against: its methods and its fields. */
function recognised(copy: BatchedStoreClass): boolean {
  const methods = ["start", "stop", "enqueueOperation", "processBatchQueue"];
  if (!methods.every((name) => typeof (copy.prototype as Record<string, unknown>)[name] === "function")) return false;
  const probe = new copy({ batch: async () => [] } as unknown as BaseStore) as Partial<BatchedStore>;
  return probe.queue instanceof Map && probe.nextKey === 0 && probe.running === false && probe.processingTask === null && probe.store !== undefined;
}

/**
 * Once the current tick's operations are queued, sends the queue to the store in batches until it
 * is empty. `processingTask` is cleared in the same step that finds the queue empty, so an operation
 * queued later always schedules a flush of its own.
 */
async function flush(batched: BatchedStore): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  try {
    while (batched.queue.size > 0) {
      const pending = [...batched.queue.values()];
      batched.queue.clear();
      try {
        const results = await batched.store.batch(pending.map((p) => p.operation));
        pending.forEach((p, i) => p.resolve(results[i]));
      } catch (error) {
        for (const p of pending) p.reject(error);
      }
    }
  } finally {
    batched.processingTask = null;
  }
}
