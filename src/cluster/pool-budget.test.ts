import { describe, expect, it } from "vitest";
import { StartupError } from "../startup-error.js";
import { poolBudget } from "./pool-budget.js";

describe("poolBudget", () => {
  it("keeps DB_POOL_MAX when every worker's connections fit", () => {
    // 4 × (20 + 2) = 88 ≤ 100 − 3 − 5
    expect(poolBudget(4, 20, { max: 100, reserved: 3 })).toEqual({ poolMax: 20, total: 88, available: 92 });
  });

  it("lowers each worker's pool so that all of them fit, and says from what", () => {
    // 92 / 8 = 11 each, 2 of them the lease's and the listener's
    const budget = poolBudget(8, 20, { max: 100, reserved: 3 });
    expect(budget).toEqual({ poolMax: 9, loweredFrom: 20, total: 88, available: 92 });
    expect(budget.total).toBeLessThanOrEqual(budget.available);
  });

  it("refuses when even a pool of 2 each would not fit, naming the numbers and the fixes", () => {
    let error: unknown;
    try {
      poolBudget(32, 20, { max: 100, reserved: 3 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toBe(
      "WEB_CONCURRENCY=32: 32 workers need at least 128 PostgreSQL connections (a pool of 2 and 2 more each), but the server allows 100 " +
        "(max_connections) of which 3 are reserved and 5 kept free: set WEB_CONCURRENCY to at most 23, or raise max_connections to at least 712",
    );
  });
});
