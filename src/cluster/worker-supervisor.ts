import cluster, { type Worker } from "node:cluster";
import type { Logger } from "pino";
import { StartupError } from "../startup-error.js";
import { isWorkerMessage } from "./worker-messages.js";

/** Replacements in a row that fail before they serve: then the cause is no accident, and the primary gives up. */
export const MAX_STARTUP_FAILURES = 5;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 30_000;
/** Deaths this recent make the next replacement wait longer (doubling each time). */
const DEATH_WINDOW_MS = 60_000;
/** How long past SHUTDOWN_GRACE_MS a worker may take to close before it is killed. */
const CLOSE_MARGIN_MS = 15_000;

interface Tracked {
  ready: boolean;
  failure?: string;
}

export interface SupervisorOptions {
  logger: Logger;
  /** Environment for every worker, on top of the primary's. */
  env: Record<string, string>;
  /** Replacements keep failing at start-up: the service cannot run. Called once. */
  onFatal(error: Error): void;
}

/**
 * Keeps `count` workers serving: forks them, replaces one that dies (after a delay that grows with
 * recent deaths, so a worker that crashes at once does not loop hot), and stops them all on request.
 */
export class WorkerSupervisor {
  private readonly workers = new Map<Worker, Tracked>();
  private readonly deaths: number[] = [];
  private startupFailures = 0;
  private stopping = false;
  /** Set once the first workers all serve; before that any exit fails the start. */
  private started = false;
  private failStart?: (error: Error) => void;
  private readonly replacing = new Set<NodeJS.Timeout>();

  constructor(private readonly options: SupervisorOptions) {}

  /** Forks `count` workers; resolves with the port they serve once all do, fails (stopping the others) if one fails to start. */
  async start(count: number): Promise<number> {
    let ports: number[];
    try {
      ports = await new Promise<number[]>((resolve, reject) => {
        this.failStart = reject;
        Promise.all(Array.from({ length: count }, () => this.fork())).then(resolve, reject);
      });
    } catch (err) {
      await this.stop(0);
      throw err;
    }
    this.started = true;
    return ports[0]!;
  }

  get size(): number {
    return this.workers.size;
  }

  /** SIGTERM to every worker (each finishes its runs within its grace), SIGKILL to any still there after `graceMs` + a margin. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (!this.started) this.failStart?.(new Error("stopped while starting"));
    for (const timer of this.replacing) clearTimeout(timer);
    const exits = [...this.workers.keys()].map((worker) => {
      const exited = new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once("exit", () => resolve())));
      if (!worker.isDead()) worker.process.kill("SIGTERM");
      const killer = setTimeout(() => {
        this.options.logger.error({ worker: worker.id, pid: worker.process.pid }, "worker did not stop in time: killing it");
        worker.process.kill("SIGKILL");
      }, graceMs + CLOSE_MARGIN_MS);
      return exited.finally(() => clearTimeout(killer));
    });
    await Promise.all(exits);
  }

  /** One worker, resolved once it serves, rejected with why it could not start. */
  private fork(): Promise<number> {
    const worker = cluster.fork(this.options.env);
    const tracked: Tracked = { ready: false };
    this.workers.set(worker, tracked);
    return new Promise<number>((resolve, reject) => {
      worker.on("message", (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        if (message.type === "threadloom:startup-failed") tracked.failure = message.message;
        else {
          tracked.ready = true;
          this.startupFailures = 0;
          resolve(message.port);
        }
      });
      worker.once("exit", (code, signal) => {
        // A message sent just before the exit may still be in the channel: read it first.
        void afterChannelClosed(worker).then(() => {
          this.workers.delete(worker);
          const failure = new StartupError(tracked.failure ?? `worker ${worker.id} exited (${signal ?? `code ${code}`}) before it served`);
          if (!tracked.ready) reject(failure);
          if (this.stopping) return;
          if (!this.started) return void this.failStart?.(failure);
          this.died(worker, tracked, code, signal);
        });
      });
    });
  }

  private died(worker: Worker, tracked: Tracked, code: number | null, signal: string | null): void {
    const { logger } = this.options;
    if (!tracked.ready && ++this.startupFailures >= MAX_STARTUP_FAILURES) {
      this.stopping = true;
      return this.options.onFatal(new StartupError(`workers failed to start ${this.startupFailures} times in a row; the last: ${tracked.failure ?? `exit ${signal ?? code}`}`));
    }
    const now = Date.now();
    this.deaths.push(now);
    while (this.deaths[0]! < now - DEATH_WINDOW_MS) this.deaths.shift();
    const delayMs = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (this.deaths.length - 1));
    logger.error(
      { worker: worker.id, pid: worker.process.pid, code, signal, failure: tracked.failure, delayMs },
      `worker ${worker.id} ${tracked.ready ? "died" : "failed to start"}: starting another in ${delayMs} ms (its runs are taken back through its lease)`,
    );
    const timer = setTimeout(() => {
      this.replacing.delete(timer);
      if (this.stopping) return;
      this.fork().then(
        () => logger.info("replacement worker serving"),
        () => {}, // its exit handler replaces it again, or gives up
      );
    }, delayMs);
    this.replacing.add(timer);
  }
}

function afterChannelClosed(worker: Worker): Promise<void> {
  if (!worker.isConnected()) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    worker.once("disconnect", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
