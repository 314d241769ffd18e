import pg from "pg";
import type { ConnectionLimit } from "./pool-budget.js";

/**
 * The server's connection limit, read on one short-lived connection. `reserved_connections`
 * (PostgreSQL 16+) reserves slots as `superuser_reserved_connections` does; older servers lack it.
 */
export async function readConnectionLimit(url: string, timeoutMs: number): Promise<ConnectionLimit> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, application_name: "threadloom-primary" });
  client.on("error", () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])",
      [["max_connections", "superuser_reserved_connections", "reserved_connections"]],
    );
    const setting = (name: string) => Number(rows.find((r) => r.name === name)?.setting ?? 0);
    return { max: setting("max_connections"), reserved: setting("superuser_reserved_connections") + setting("reserved_connections") };
  } finally {
    await client.end().catch(() => {});
  }
}
