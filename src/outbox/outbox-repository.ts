import type { Queryable } from "../db/queryable.js";

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

// The no-op update makes RETURNING give back the row already there, so a replay learns its id.
const INSERT_EMAIL = `
  INSERT INTO outbox (thread_id, tenant_id, tool_call_id, "to", subject, body)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (thread_id, tool_call_id) DO UPDATE SET tool_call_id = excluded.tool_call_id
  RETURNING ${COLUMNS}`;

const SELECT_THREAD_EMAILS = `
  SELECT ${COLUMNS} FROM outbox WHERE thread_id = $1 AND tenant_id = $2 ORDER BY id`;

/**
 * The `outbox` table: e-mails the agent sent. Nothing is delivered anywhere; recording an e-mail
 * here is all that sending it means, which keeps the demo safe to run.
 */
export class OutboxRepository {
  constructor(private readonly db: Queryable) {}

  async record(email: OutboxEmail): Promise<OutboxRow> {
    const { rows } = await this.db.query(INSERT_EMAIL, [email.threadId, email.tenantId, email.toolCallId, email.to, email.subject, email.body]);
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
