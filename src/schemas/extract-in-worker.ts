import { Worker } from "node:worker_threads";
import type { StaticResult, StaticTarget } from "./extract-static-schemas.js";

/** Heap for the compiler: a program of LangChain's types takes a few hundred MB; past this the worker fails, not the service. */
const WORKER_HEAP_MB = 1536;

/**
 * Runs extract-static-schemas in a worker thread, so the service answers while the compiler works.
 * Rejects when the worker fails, runs out of memory, or takes longer than `timeoutMs` (it is then
 * stopped). The worker does not keep the process alive.
 */
export function extractInWorker(targets: StaticTarget[], options: { projectRoot: string; timeoutMs: number }): Promise<StaticResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./static-schema-worker.mjs", import.meta.url), {
      workerData: { targets, projectRoot: options.projectRoot },
      // Not the parent's flags: its --import preloads (tsx, a profiler) are the service's, and the
      // worker loads what it needs itself (see static-schema-worker.mjs).
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.unref();
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      void worker.terminate();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`the compiler took longer than ${options.timeoutMs} ms`))), options.timeoutMs);
    timer.unref();
    worker.once("message", (results: StaticResult[]) => finish(() => resolve(results)));
    worker.once("error", (err) => finish(() => reject(err)));
    worker.once("exit", (code) => finish(() => reject(new Error(`the schema worker exited (code ${code}) without an answer`))));
  });
}
