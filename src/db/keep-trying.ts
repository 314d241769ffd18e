export interface KeepTryingOptions {
  /** Whether a failure is worth another try; any other is thrown at once. */
  retryable(err: unknown): boolean;
  /** Once aborted, no further try is made: the last failure is thrown. */
  signal?: AbortSignal;
  /** Told of the first failure that will be retried (log it once, not per try). */
  onRetry?(err: unknown): void;
  /** The first pause; each next one doubles, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Calls `attempt` until it succeeds, pausing between tries with exponential backoff and jitter (so
 * processes that lost the database together do not all come back at the same instant).
 */
export async function keepTrying<T>(attempt: () => Promise<T>, options: KeepTryingOptions): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (!options.retryable(err) || options.signal?.aborted) throw err;
      if (tries === 0) options.onRetry?.(err);
      if (!(await pause(backoffDelay(tries, options.baseDelayMs, options.maxDelayMs), options.signal))) throw err;
    }
  }
}

/** The pause before try `tries + 1`: doubling from `baseMs` up to `maxMs`, between half and all of it. */
export function backoffDelay(tries: number, baseMs = 100, maxMs = 5_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(tries, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Waits `ms`; false when `signal` aborted first. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const done = (waited: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(waited);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
