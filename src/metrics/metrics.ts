import type { Response } from "express";
import type pg from "pg";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The service's metrics, for code that has a response and nothing else (an SSE stream counts itself). */
      metrics?: Metrics;
    }
  }
}

export interface MetricsSources {
  pool: pg.Pool;
  /** Runs registered in this process now (RunManager.activeCount). */
  activeRuns(): number;
  /** Whether the worker lease is held now (read when scraped). */
  leaseHeld?(): boolean;
}

/** What a run did, as it ended. */
export interface RunMeasure {
  graphId: string;
  /** The run's status, or `requeued` when shutdown handed it to another process. */
  status: string;
  ttftMs: number | null;
  latencyMs: number;
  usage: { input_tokens: number; output_tokens: number };
}

/**
 * The service's Prometheus metrics (GET /metrics). Each service has a registry of its own, so two
 * services in one process (tests) keep theirs apart. What happens in this process is counted where
 * it happens (a run's end, a stream opening and closing); the queue, shared by every replica, and
 * the pool are read when scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  /** 1 while this process holds its worker lease, 0 once it knows it has lost it. */
  readonly leaseHeld: Gauge;
  /** Connections to PostgreSQL opened again after they were lost, by connection (pool, listener, lease). */
  readonly dbReconnects: Counter<"connection">;
  private readonly runs: Counter<"graph" | "status">;
  private readonly tokens: Counter<"graph" | "direction">;
  private readonly ttft: Histogram<"graph">;
  private readonly duration: Histogram<"graph">;
  private readonly streams: Gauge;
  private queueRead: Promise<{ depth: number; oldest: number }> | undefined;
  /** Under WEB_CONCURRENCY: every worker's metrics together, read through the primary. */
  private aggregate: (() => Promise<string>) | undefined;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.runs = new Counter({ name: "threadloom_runs_total", help: "Runs ended in this process, by graph and status", labelNames: ["graph", "status"], registers });
    this.tokens = new Counter({ name: "threadloom_model_tokens_total", help: "Model tokens used by runs ended in this process", labelNames: ["graph", "direction"], registers });
    this.ttft = new Histogram({
      name: "threadloom_run_ttft_seconds", help: "Time from a run's start to its first model token", labelNames: ["graph"], registers,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    });
    this.duration = new Histogram({
      name: "threadloom_run_duration_seconds", help: "Time from a run's start to its end", labelNames: ["graph"], registers,
      buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    });
    this.streams = new Gauge({ name: "threadloom_active_streams", help: "SSE responses open in this process", registers });
    this.leaseHeld = new Gauge({
      name: "threadloom_worker_lease_held", help: "1 while this process holds its worker lease", registers,
      collect() { if (sources.leaseHeld) this.set(sources.leaseHeld() ? 1 : 0); },
    });
    this.dbReconnects = new Counter({ name: "threadloom_db_reconnects_total", help: "PostgreSQL connections opened again after a loss", labelNames: ["connection"], registers });
    // Shown at 0 from the start: a rate() or an alert on them needs the series before the first outage.
    for (const connection of ["pool", "listener", "lease"]) this.dbReconnects.inc({ connection }, 0);
    const { pool } = sources;
    new Gauge({ name: "threadloom_active_runs", help: "Runs executing in this process", registers, collect() { this.set(sources.activeRuns()); } });
    new Gauge({ name: "threadloom_db_pool_clients", help: "Connections in this process's pool", registers, collect() { this.set(pool.totalCount); } });
    new Gauge({ name: "threadloom_db_pool_idle_clients", help: "Idle connections in this process's pool", registers, collect() { this.set(pool.idleCount); } });
    new Gauge({ name: "threadloom_db_pool_waiting", help: "Queries waiting for a connection of this process's pool", registers, collect() { this.set(pool.waitingCount); } });
    const queue = () => this.readQueue();
    new Gauge({
      // The queue is shared: summed over a cluster's workers it would count each run once per worker.
      name: "threadloom_queue_depth", help: "Runs waiting in the shared queue (every replica's)", registers, aggregator: "max",
      async collect() { this.set((await queue()).depth); },
    });
    new Gauge({
      name: "threadloom_queue_oldest_age_seconds", help: "How long the oldest run in the shared queue has waited (0 when none)", registers, aggregator: "max",
      async collect() { this.set((await queue()).oldest); },
    });
  }

  runEnded(run: RunMeasure): void {
    const graph = run.graphId;
    this.runs.inc({ graph, status: run.status });
    this.tokens.inc({ graph, direction: "input" }, run.usage.input_tokens);
    this.tokens.inc({ graph, direction: "output" }, run.usage.output_tokens);
    if (run.ttftMs !== null) this.ttft.observe({ graph }, run.ttftMs / 1000);
    this.duration.observe({ graph }, run.latencyMs / 1000);
  }

  /** Counts an SSE response as open until it closes. */
  streamOpened(res: Response): void {
    this.streams.inc();
    res.once("close", () => this.streams.dec());
  }

  /** The Prometheus text format. */
  async text(): Promise<string> {
    return this.aggregate ? this.aggregate() : this.registry.metrics();
  }

  /** Answers with `read()` (the cluster's workers' metrics together) instead of this registry alone. */
  answerWith(read: () => Promise<string>): void {
    this.aggregate = read;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * One query for both queue gauges (the registry collects them at once), on the partial index of
   * pending runs. Unreadable (the database is away), they say NaN rather than a stale number.
   */
  private readQueue(): Promise<{ depth: number; oldest: number }> {
    this.queueRead ??= this.sources.pool
      .query<{ depth: number; oldest: number }>(
        `SELECT count(*)::int AS depth, COALESCE(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest FROM runs WHERE status = 'pending'`,
      )
      .then((r) => r.rows[0]!, () => ({ depth: Number.NaN, oldest: Number.NaN }))
      .finally(() => (this.queueRead = undefined));
    return this.queueRead;
  }
}
