import { AppError } from "../errors.js";
import type { UsageCounters } from "./usage-counters.js";

const DAY_SECONDS = 86_400;

/**
 * TOKEN_QUOTA_PER_DAY: a tenant's model tokens per UTC day, as recorded at the end of its runs (the
 * database adds them up, migration 0009). A run in progress is not cut short; once the day's total
 * has reached the quota, new runs are refused until the next day.
 */
export class TokenQuota {
  constructor(
    private readonly counters: UsageCounters,
    private readonly tokensPerDay: number,
  ) {}

  async check(tenantId: string): Promise<void> {
    const used = await this.counters.read("tokens", tenantId, DAY_SECONDS);
    if (used.count < this.tokensPerDay) return;
    throw new AppError(
      "quota_exceeded",
      `This tenant has used ${used.count} model tokens today, its quota is ${this.tokensPerDay} (TOKEN_QUOTA_PER_DAY): new runs are refused until 00:00 UTC.`,
      { retry_after: used.retryAfterSeconds, tokens_used: used.count, tokens_per_day: this.tokensPerDay },
    );
  }
}
