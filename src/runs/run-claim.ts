/**
 * The claim a run executes under: its row in `runs` names the worker and the lease epoch that took
 * it. Every write the run makes is conditional on that claim still being there (a fencing token):
 * once its worker's lease expired and the run was reaped, or handed to another attempt, nothing
 * the old executor still sends can change anything.
 */
export interface RunClaim {
  runId: string;
  workerId: number;
  leaseEpoch: number;
  /** Called when a write was refused: the run has lost its claim and must stop. */
  lost?(): void;
}

/** A write refused because the run no longer holds the claim it was started under. */
export class ClaimLostError extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} no longer holds its claim (its worker's lease expired and the run was taken back); the write was refused`);
    this.name = "ClaimLostError";
  }
}

/** Where the saver and tools find the run's claim in a LangGraph config (kept out of callback metadata by the `__`). */
export const CLAIM_CONFIG_KEY = "__threadloom_claim";

export function claimFromConfig(config: { configurable?: Record<string, unknown> } | undefined): RunClaim | undefined {
  const claim = config?.configurable?.[CLAIM_CONFIG_KEY] as RunClaim | undefined;
  return claim && typeof claim.runId === "string" ? claim : undefined;
}

/** Reports a refused write: tells the run, then throws. */
export function refused(claim: RunClaim): never {
  claim.lost?.();
  throw new ClaimLostError(claim.runId);
}

/**
 * A CTE named `claim`, one row while run `$run` is running under worker `$worker` and epoch `$epoch`.
 * `FOR SHARE` makes reaping (which locks the row for update) wait for the write, or the write see the
 * reaped row: a write never lands after the run was taken back.
 */
export function claimCte(run: string, worker: string, epoch: string): string {
  return `claim AS (
    SELECT 1 FROM runs
    WHERE run_id = ${run}::uuid AND worker_id = ${worker}::int AND lease_epoch = ${epoch}::bigint AND status = 'running'
    FOR SHARE
  )`;
}
