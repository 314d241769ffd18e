import type { Queryable } from "../db/queryable.js";
import { claimCte, refused, type RunClaim } from "../runs/run-claim.js";

export interface OutboxEmail {
  threadId: string;
  tenantId: string;
  /** The tool call that asked for the e-mail: recording it again returns the first record. */
  toolCallId: string;
  to: string;
  subject: string;
  body: string;
}

export interface OutboxRow extends OutboxEmail {
  id: string;
  createdAt: Date;
}

const COLUMNS = `id::text, thread_id, tenant_id, tool_call_id, "to", subject, body, created_at`;

// The no-op update makes RETURNING give back the row already there, so a replay learns its id. Only
// while run $7 holds its claim ($8, $9): an executor that lost it records nothing.
const INSERT_EMAIL = `
  WITH ${claimCte("$7", "$8", "$9")}
  INSERT INTO outbox (thread_id, tenant_id, tool_call_id, "to", subject, body)
  SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM claim)
  ON CONFLICT (thread_id, tool_call_id) DO UPDATE SET tool_call_id = excluded.tool_call_id
  RETURNING ${COLUMNS}`;

const SELECT_THREAD_EMAILS = `
  SELECT ${COLUMNS} FROM outbox WHERE thread_id = $1 AND tenant_id = $2 ORDER BY id`;

/**
 * The `outbox` table: e-mails the agent sent. Nothing is delivered anywhere; recording an e-mail
 * here is all that sending it means, which keeps the demo safe to run. It is the one way a side
 * effect leaves a run: at most once per tool call, and only from the run that holds its claim.
 */
export class OutboxRepository {
  constructor(private readonly db: Queryable) {}

  /** Records the e-mail if `claim` still holds (else `ClaimLostError`); a replay returns the first record. */
  async record(email: OutboxEmail, claim: RunClaim): Promise<OutboxRow> {
    const { rows } = await this.db.query(INSERT_EMAIL, [
      email.threadId, email.tenantId, email.toolCallId, email.to, email.subject, email.body, claim.runId, claim.workerId, claim.leaseEpoch,
    ]);
    if (rows.length === 0) refused(claim);
    return toRow(rows[0]);
  }

  /** A thread's e-mails, oldest first; another tenant's thread has none. */
  async listForThread(threadId: string, tenantId: string): Promise<OutboxRow[]> {
    const { rows } = await this.db.query(SELECT_THREAD_EMAILS, [threadId, tenantId]);
    return rows.map(toRow);
  }
}

function toRow(r: Record<string, any>): OutboxRow {
  return {
    id: r.id, threadId: r.thread_id, tenantId: r.tenant_id, toolCallId: r.tool_call_id,
    to: r.to, subject: r.subject, body: r.body, createdAt: r.created_at,
  };
}
