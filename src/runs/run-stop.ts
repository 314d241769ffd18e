/** Why a run was stopped before it finished by itself: the reason given to its AbortController. */
export type StopReason = "cancel" | "rollback" | "timeout" | "idle_timeout" | "shutdown" | "lease_lost" | "database_unavailable";

export class RunStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`run stopped: ${reason}`);
    this.name = "RunStopped";
  }
}

export interface StopOutcome {
  status: "interrupted" | "timeout" | "error";
  /** What the reply streamed so far is marked as in the checkpoint and the mirror. */
  messageStatus: "partial" | "error";
  /** The error event sent to a listener still connected; a plain cancel sends none. */
  error?: { code: string; message: string };
}

export function stopOutcome(reason: StopReason): StopOutcome {
  switch (reason) {
    case "cancel":
    // A rolled-back run's work is removed afterwards: what it is marked as does not last.
    case "rollback":
      return { status: "interrupted", messageStatus: "partial" };
    case "shutdown":
      return {
        status: "interrupted",
        messageStatus: "partial",
        error: { code: "shutdown", message: "The service is shutting down; the reply so far was saved." },
      };
    case "timeout":
      return { status: "timeout", messageStatus: "error", error: { code: "timeout", message: "The run took longer than allowed; the reply so far was saved." } };
    case "idle_timeout":
      return { status: "timeout", messageStatus: "error", error: { code: "idle_timeout", message: "The model stopped responding; the reply so far was saved." } };
    // The process could not prove for LEASE_TTL_MS / 2 that it still holds the run, or a write was
    // refused because it no longer does: it stops before another process takes the run over.
    case "lease_lost":
      return {
        status: "error",
        messageStatus: "partial",
        error: { code: "worker_lost", message: "The process running this run lost its hold on the database; the reply so far was saved where possible." },
      };
    // The reply so far is saved too, but only once the database is back: the run's end waits for it.
    case "database_unavailable":
      return {
        status: "error",
        messageStatus: "error",
        error: { code: "database_unavailable", message: "The database became unavailable, so the run was stopped; the reply so far is saved once it is back." },
      };
    default: {
      const never: never = reason;
      throw new Error(`unknown stop reason ${String(never)}`);
    }
  }
}
