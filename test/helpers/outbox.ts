import type pg from "pg";

/** Where send_email records e-mails: the graphs' store (LangGraph's PostgreSQL store). */
export const OUTBOX_TABLE = "langgraph.store";
/** Matches the statement that records one, as pg_stat_activity shows it. */
export const RECORDING_EMAIL = '%INSERT INTO "langgraph".store%';

export interface SentEmail {
  thread_id: string;
  tool_call_id: string;
  to: string;
  subject: string;
  body: string;
}

/** The e-mails recorded (of one thread, or all), oldest first, without their time. */
export async function sentEmails(pool: pg.Pool, threadId?: string): Promise<SentEmail[]> {
  const { rows } = await pool.query(
    `SELECT value FROM ${OUTBOX_TABLE} WHERE namespace_path LIKE 'outbox%' AND ($1::text IS NULL OR value->>'thread_id' = $1) ORDER BY created_at, key`,
    [threadId ?? null],
  );
  return rows.map(({ value: { sent_at: _, ...email } }) => email as SentEmail);
}
