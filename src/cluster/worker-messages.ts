import cluster from "node:cluster";

/**
 * What a worker tells the primary over the cluster's IPC channel: that it serves (its start-up is
 * over), or why its start-up failed, so that the primary reports a failure once, not once per worker.
 */
export type WorkerMessage = { type: "threadloom:ready"; port: number } | { type: "threadloom:startup-failed"; message: string };

/** The environment the primary gives each worker (the shared servers' addresses). */
export const WORKER_ENV = {
  /** The demo model the primary started, which the worker uses instead of starting its own. */
  demoModelUrl: "THREADLOOM_DEMO_MODEL_URL",
} as const;

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === "threadloom:ready" || type === "threadloom:startup-failed";
}

/** Sends to the primary when this process is a worker; resolves once sent (or at once otherwise). */
export function tellPrimary(message: WorkerMessage): Promise<void> {
  if (!cluster.isWorker || !process.send) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      process.send!(message, undefined, {}, () => resolve());
    } catch {
      resolve(); // the primary is gone: nobody to tell
    }
  });
}
