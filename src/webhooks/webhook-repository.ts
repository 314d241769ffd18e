import type { Queryable } from "../db/queryable.js";
import * as sql from "./webhook-sql.js";

/** A delivery whose attempt this process has started. */
export interface WebhookDelivery {
  runId: string;
  tenantId: string;
  url: string;
  /** The run's row as it ended (column names, timestamps as ISO text). */
  run: Record<string, unknown>;
  shownThreadId: string;
  /** The final values as the API writes them, when `valuesKnown` (its process gave them). */
  values: unknown;
  valuesKnown: boolean;
  /** This attempt's number: its outcome is written only while it is the latest. */
  attempt: number;
}

/** The `webhook_deliveries` table. */
export class WebhookRepository {
  constructor(private readonly db: Queryable) {}

  async claimDue(limit: number, holdMs: number): Promise<WebhookDelivery[]> {
    const { rows } = await this.db.query(sql.CLAIM_DUE, [limit, holdMs]);
    return rows.map(toDelivery);
  }

  /** The first attempt of an ended run's delivery, by the process that ran it, with its final values. */
  async claimEnded(runId: string, values: unknown, holdMs: number): Promise<WebhookDelivery | null> {
    const { rows } = await this.db.query(sql.CLAIM_ENDED, [runId, JSON.stringify(values ?? null), holdMs]);
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  async delivered(d: WebhookDelivery): Promise<void> {
    await this.db.query(sql.MARK_DELIVERED, [d.runId, d.attempt]);
  }

  async retryLater(d: WebhookDelivery, afterMs: number, error: string): Promise<void> {
    await this.db.query(sql.MARK_RETRY, [d.runId, d.attempt, Math.round(afterMs), error]);
  }

  async failed(d: WebhookDelivery, error: string): Promise<void> {
    await this.db.query(sql.MARK_FAILED, [d.runId, d.attempt, error]);
  }

  async prune(olderThanMs: number): Promise<number> {
    return (await this.db.query(sql.PRUNE_FINISHED, [olderThanMs])).rowCount ?? 0;
  }
}

function toDelivery(r: Record<string, any>): WebhookDelivery {
  return {
    runId: r.run_id, tenantId: r.tenant_id, url: r.url, run: r.run, shownThreadId: r.shown_thread_id,
    values: r.final_values, valuesKnown: r.values_known, attempt: r.attempts,
  };
}
