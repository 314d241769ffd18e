import type pg from "pg";

/** Where send_email records e-mails: the store's items (of the run's tenant). */
export const OUTBOX_TABLE = "store_items";
/** Matches the statement that records one, as pg_stat_activity shows it. */
export const RECORDING_EMAIL = "%INSERT INTO store_items%";

export interface SentEmail {
  thread_id: string;
  tool_call_id: string;
  to: string;
  subject: string;
  body: string;
}

/** The e-mails recorded (of one thread, or all; of one tenant, or any), oldest first, without their time. */
export async function sentEmails(pool: pg.Pool, threadId?: string, tenantId?: string): Promise<SentEmail[]> {
  const { rows } = await pool.query(
    `SELECT value FROM ${OUTBOX_TABLE} WHERE namespace[1] = 'outbox' AND ($1::text IS NULL OR value->>'thread_id' = $1)
       AND ($2::text IS NULL OR tenant_id = $2) ORDER BY created_at, key`,
    [threadId ?? null, tenantId ?? null],
  );
  return rows.map(({ value: { sent_at: _, ...email } }) => email as SentEmail);
}
