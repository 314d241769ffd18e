import pg from "pg";
import { StartupError } from "../startup-error.js";

/**
 * Connects once to DATABASE_URL, within `timeoutMs`: a server that cannot be reached, a wrong
 * password or a missing database is one line naming the variable, the server and the reason
 * (never the password), instead of a driver's stack after its own, longer timeouts.
 */
export async function probeDatabase(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new StartupError(`DATABASE_URL: cannot connect to ${describeServer(url)}: ${reason(err as NodeJS.ErrnoException, timeoutMs)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** `user@host:port/database`, without the password. */
export function describeServer(url: string): string {
  const u = new URL(url);
  const user = u.username ? `${decodeURIComponent(u.username)}@` : "";
  return `${user}${u.hostname || "localhost"}:${u.port || "5432"}/${decodeURIComponent(u.pathname.slice(1)) || user.slice(0, -1) || "postgres"}`;
}

function reason(err: NodeJS.ErrnoException, timeoutMs: number): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return "connection refused (is PostgreSQL running there, on that port?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name is not known";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "the host cannot be reached";
    case "ECONNRESET":
      return "the server closed the connection";
  }
  if (/timeout/i.test(err.message)) return `no answer within ${timeoutMs} ms (DB_CONNECT_TIMEOUT_MS)`;
  // PostgreSQL's own message: `password authentication failed for user "app"`, `database "x" does not exist`.
  return err.message;
}
