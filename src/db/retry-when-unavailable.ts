import { isDatabaseUnavailable } from "./database-unavailable.js";
import { keepTrying } from "./keep-trying.js";

/**
 * What becomes of a statement of a running graph that the database could not take because it is
 * unreachable: a signal to keep retrying it until (it lands or) the signal aborts, or null to fail it now.
 */
export type UnavailablePolicy = (threadId: string, kind: "read" | "write") => AbortSignal | null;

/**
 * `attempt`, and when the database could not take it, `attempt` again until it lands or the signal
 * `until` gives aborts (null: fail now). Only for statements that are safe to repeat.
 */
export async function retryWhenUnavailable<T>(attempt: () => Promise<T>, until: () => AbortSignal | null): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    const signal = isDatabaseUnavailable(err) ? until() : null;
    if (!signal) throw err;
    return keepTrying(attempt, { retryable: isDatabaseUnavailable, signal, baseDelayMs: 200, maxDelayMs: 2_000 });
  }
}
