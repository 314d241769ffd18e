import type pg from "pg";

/**
 * Holds a lock the runs need before they can go on (a table they write at their end or in a tool),
 * so that they are certainly still running while a test acts; `release` lets them go on.
 */
export async function holdTable(pool: pg.Pool, table: string): Promise<{ release(): Promise<void> }> {
  const client = await pool.connect();
  await client.query("BEGIN");
  await client.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
  return {
    async release() {
      await client.query("COMMIT");
      client.release();
    },
  };
}
