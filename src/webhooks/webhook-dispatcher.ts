import type pg from "pg";
import type { Logger } from "pino";
import { postWebhook, readAnswer, type WebhookAnswer } from "./post-webhook.js";
import { webhookPayload } from "./webhook-payload.js";
import type { AddressPolicy } from "../net/address-policy.js";
import { type WebhookDelivery, WebhookRepository } from "./webhook-repository.js";
import { resolveWebhookHost, WebhookRefused, webhookTarget } from "./webhook-target.js";

export interface WebhookDispatcherDeps {
  pool: pg.Pool;
  logger: Logger;
  policy: AddressPolicy;
  /** Sends a request to the manifest's http.app in-process (a webhook that is a path); absent without one. */
  sendToApp?: (request: Request) => Promise<Response>;
  /** The thread's values now, for a run whose process died before it gave its final ones. */
  currentValues(run: { graphId: string; threadId: string }): Promise<unknown>;
  /** WEBHOOK_TIMEOUT_MS, WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_BASE_MS. */
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** How often to look for deliveries other processes left (default 5 s). */
  pollMs?: number;
}

/** Deliveries this process makes at once. */
const CONCURRENCY = 8;
const MAX_RETRY_DELAY_MS = 600_000;
/** Sent or given-up deliveries are kept this long (for whoever reads the table), then pruned. */
const KEEP_FINISHED_MS = 86_400_000;
const PRUNE_EVERY_MS = 600_000;
/** How long closing waits for attempts under way before it cuts them. */
const CLOSE_WAIT_MS = 5_000;

type Outcome = { ok: true; status: number } | { ok: false; retry: boolean; error: string };

/**
 * Sends runs' webhooks (webhook_deliveries): the process that ran a run sends its webhook as soon as
 * its end is recorded; any process takes up a delivery left undone (its process died) or due again.
 * An attempt that fails for a reason that may pass (the receiver timed out, answered 5xx, 408 or
 * 429, could not be reached) is tried again after a backoff that doubles twice per attempt, up to
 * WEBHOOK_MAX_ATTEMPTS; one that cannot succeed (a 4xx, a redirect, an address not allowed) is
 * given up at once. Every attempt is logged; giving up is an error line.
 */
export class WebhookDispatcher {
  private readonly repo: WebhookRepository;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private closing = false;
  private pruned = 0;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.repo = new WebhookRepository(deps.pool);
  }

  /** How long an attempt holds its delivery before another process may take it for lost. */
  private get holdMs(): number {
    return this.deps.timeoutMs * 2 + 5_000;
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.deps.pollMs ?? 5_000);
    this.timer.unref();
    this.kick();
  }

  /** Looks for due deliveries now. */
  kick(): void {
    if (this.draining || this.closing) return;
    this.draining = true;
    this.drain()
      .catch((err) => this.deps.logger.warn({ err }, "could not look for webhooks to send"))
      .finally(() => {
        this.draining = false;
      });
  }

  /** Called once the end of a run with a webhook is recorded here: its first attempt, at once, with its final values. */
  async runEnded(runId: string, values: unknown): Promise<void> {
    if (this.closing) return;
    const delivery = await this.repo.claimEnded(runId, values, this.holdMs);
    if (delivery) this.track(this.deliver(delivery));
  }

  /**
   * Stops taking deliveries, lets attempts under way finish for a few seconds, then cuts the rest
   * and leaves them due again, for another process or this one's successor.
   */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    this.stopping.abort();
    await Promise.all([...this.inFlight]);
  }

  private async drain(): Promise<void> {
    if (Date.now() - this.pruned > PRUNE_EVERY_MS) {
      this.pruned = Date.now();
      await this.repo.prune(KEEP_FINISHED_MS);
    }
    for (;;) {
      const room = CONCURRENCY - this.inFlight.size;
      if (room <= 0 || this.closing) return;
      const due = await this.repo.claimDue(room, this.holdMs);
      for (const delivery of due) this.track(this.deliver(delivery));
      if (due.length < room) return;
    }
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => {
      this.inFlight.delete(delivery);
      // A place is free: more may be due.
      this.kick();
    });
  }

  private async deliver(d: WebhookDelivery): Promise<void> {
    const log = this.deps.logger.child({ runId: d.runId, webhook: redacted(d.url), attempt: d.attempt });
    try {
      const values = d.valuesKnown ? d.values : await this.deps.currentValues({ graphId: String(d.run.graph_id), threadId: String(d.run.thread_id) }).catch(() => undefined);
      const outcome = await this.attempt(d.url, JSON.stringify(webhookPayload(d, values, new Date())));
      if (outcome.ok) {
        await this.repo.delivered(d);
        log.info({ status: outcome.status }, "webhook sent");
      } else if (this.stopping.signal.aborted) {
        // Cut by shutdown: due again at once, for whoever comes next (the receiver may have had it).
        await this.repo.retryLater(d, 0, "the service stopped during the attempt");
      } else if (outcome.retry && d.attempt < this.deps.maxAttempts) {
        const delayMs = this.retryDelay(d.attempt);
        await this.repo.retryLater(d, delayMs, outcome.error);
        log.warn({ error: outcome.error, retryInMs: Math.round(delayMs) }, `webhook attempt ${d.attempt} failed: ${outcome.error}; trying again`);
        setTimeout(() => this.kick(), delayMs).unref();
      } else {
        await this.repo.failed(d, outcome.error);
        const why = outcome.retry ? `after ${d.attempt} attempts` : "(trying again would not help)";
        log.error({ error: outcome.error }, `gave up the webhook of run ${d.runId} ${why}: ${outcome.error}`);
      }
    } catch (err) {
      // The database: the delivery stays claimed until its hold ends, then is due again.
      log.warn({ err }, "could not record a webhook attempt; it will be tried again");
    }
  }

  /** One attempt: the POST and what its answer means. */
  private async attempt(raw: string, body: string): Promise<Outcome> {
    const timeout = AbortSignal.timeout(this.deps.timeoutMs);
    const { signal, dispose } = eitherSignal(timeout, this.stopping.signal);
    try {
      const target = webhookTarget(raw);
      const answer =
        target.kind === "path"
          ? await this.sendToApp(target.path, body, signal)
          : await postWebhook(target.url, await resolveWebhookHost(target.url, this.deps.policy), body, signal);
      return judge(answer);
    } catch (err) {
      if (err instanceof WebhookRefused) return { ok: false, retry: err.retryable, error: `the webhook ${err.message}` };
      if (timeout.aborted) return { ok: false, retry: true, error: `no answer within ${this.deps.timeoutMs} ms` };
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, retry: true, error: `could not be reached (${code ?? (err as Error).message})` };
    } finally {
      dispose();
    }
  }

  private async sendToApp(path: string, body: string, signal: AbortSignal): Promise<WebhookAnswer> {
    if (!this.deps.sendToApp) throw new WebhookRefused("is a path, and the manifest names no http.app (any more)");
    const request = new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": "application/json", "user-agent": "threadloom-webhook" }, body, signal });
    const response = await abortable(this.deps.sendToApp(request), signal);
    const text = response.body ? await abortable(readAnswer(response.body as unknown as AsyncIterable<Uint8Array>), signal) : "";
    return { status: response.status, body: text, location: response.headers.get("location") ?? undefined };
  }

  /** Base × 4^(n-1), at most 10 minutes, ±20%: attempts spread out, and many failures do not retry in step. */
  private retryDelay(attempt: number): number {
    const delay = Math.min(this.deps.retryBaseMs * 4 ** (attempt - 1), MAX_RETRY_DELAY_MS);
    return delay * (0.8 + Math.random() * 0.4);
  }
}

/** What an answer means: 2xx sent; 408, 425, 429 and 5xx worth another try; any other status not. */
function judge(answer: WebhookAnswer): Outcome {
  const { status } = answer;
  if (status >= 200 && status < 300) return { ok: true, status };
  const said = answer.body.trim().replace(/\s+/g, " ").slice(0, 200);
  if (status >= 300 && status < 400) return { ok: false, retry: false, error: `answered ${status}, a redirect${answer.location ? ` to ${answer.location.slice(0, 200)}` : ""}, which is not followed` };
  const retry = status >= 500 || status === 408 || status === 425 || status === 429;
  return { ok: false, retry, error: `answered ${status}${said ? `: ${said}` : ""}` };
}

/** The URL for the log: its credentials and query (which may hold a token) left out. */
function redacted(raw: string): string {
  try {
    const url = new URL(raw, "http://localhost");
    return raw.startsWith("/") ? url.pathname : `${url.origin}${url.pathname}`;
  } catch {
    return raw.slice(0, 100);
  }
}

/** A signal that aborts when either does; `dispose` unhooks it (the service's stop signal lives long). */
function eitherSignal(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  for (const s of [a, b]) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener("abort", abort, { once: true });
  }
  return { signal: controller.signal, dispose: () => [a, b].forEach((s) => s.removeEventListener("abort", abort)) };
}

/** `promise`, or a rejection once `signal` aborts (an in-process app need not watch the signal). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener("abort", stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}
