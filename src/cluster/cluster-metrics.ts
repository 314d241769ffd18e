import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import { AggregatorRegistry, type Registry } from "prom-client";

/**
 * `GET /metrics` under WEB_CONCURRENCY: the cluster hands a scrape to any worker, so that worker asks
 * the primary, which asks every worker for its registry (prom-client's AggregatorRegistry, over the
 * cluster's IPC channel) and answers with their sum. A scrape then sees the whole service, whichever
 * worker took it, and rates stay right across scrapes.
 */
const REQUEST = "threadloom:metrics-request";
const ANSWER = "threadloom:metrics";
/** prom-client gives up on a silent worker after 5 s; this is the worker's bound on the whole exchange. */
const TIMEOUT_MS = 10_000;

type Answer = { type: typeof ANSWER; id: string; text?: string; error?: string };

/** In the primary: answers workers' requests with every worker's metrics, aggregated. */
export function aggregateWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, message: { type?: string; id?: string }) => {
    if (message?.type !== REQUEST) return;
    const answer = (a: Omit<Answer, "type" | "id">) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...a });
    };
    aggregator.clusterMetrics().then((text) => answer({ text }), (err: Error) => answer({ error: err.message }));
  });
}

/** In a worker: offers `registry` to the primary's aggregation, and returns how to read the aggregate. */
export function clusterMetricsSource(registry: Registry): () => Promise<string> {
  new AggregatorRegistry(); // makes prom-client answer the primary's requests in this process
  AggregatorRegistry.setRegistries([registry]);
  const pending = new Map<string, { resolve(text: string): void; reject(err: Error): void }>();
  process.on("message", (message: Answer) => {
    if (message?.type !== ANSWER) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`aggregating the workers' metrics failed: ${message.error}`));
    else waiter?.resolve(message.text ?? "");
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error("the primary did not answer with the workers' metrics"));
      }, TIMEOUT_MS);
      const done = <T>(f: (v: T) => void) => (v: T) => (clearTimeout(timer), f(v));
      pending.set(id, { resolve: done(resolve), reject: done(reject) });
      process.send!({ type: REQUEST, id });
    });
}
