import type pg from "pg";
import type { Logger } from "pino";

const HAS_VECTOR_TYPE = "SELECT to_regtype('vector') IS NOT NULL AS ok";

/**
 * Whether the database can search by meaning: pgvector's `vector` type is there, or its extension is
 * available and this user may create it (then it is created). Otherwise the store works without
 * semantic search, and start-up says why once.
 */
export async function enableVectorSearch(pool: pg.Pool, logger: Logger): Promise<boolean> {
  if ((await pool.query<{ ok: boolean }>(HAS_VECTOR_TYPE)).rows[0]!.ok) return true;
  const available = ((await pool.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).rowCount ?? 0) > 0;
  let problem = "this PostgreSQL server does not have the pgvector extension";
  if (available) {
    try {
      await pool.query("CREATE EXTENSION IF NOT EXISTS vector");
      logger.info("created the pgvector extension (CREATE EXTENSION vector) for the store's semantic search");
    } catch (err) {
      problem = `CREATE EXTENSION vector failed: ${(err as Error).message}`;
    }
    // Another process may have created it meanwhile.
    if ((await pool.query<{ ok: boolean }>(HAS_VECTOR_TYPE)).rows[0]!.ok) return true;
  }
  logger.warn(`store.index is set, but ${problem}: the store works without semantic search (a search with a query is refused) until pgvector is installed and the service restarted`);
  return false;
}
