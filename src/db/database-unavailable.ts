/**
 * Failures that say the database cannot be reached right now, rather than that a statement was
 * wrong: the server refuses or drops connections (restarting, shutting down, `ALLOW_CONNECTIONS
 * false`, its connection slots full), or the pool could not hand out a connection in time. What the
 * same statement needs is a later try, so requests get 503 + Retry-After and runs stop cleanly.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  // The error itself only, not its causes: a model server refusing a connection is wrapped by its
  // HTTP client, and is not the database.
  return typeof err === "object" && err !== null && isUnavailable(err as { code?: unknown; message?: unknown });
}

/**
 * Also worth retrying a little later, though the database answers: a statement cancelled by its
 * timeout, a lock not granted in time, a deadlock or serialization failure (SQLSTATE 57014, 55P03,
 * 40P01, 40001).
 */
export function isTransientDatabaseError(err: unknown): boolean {
  return isDatabaseUnavailable(err) || TRANSIENT_STATES.has(String((err as { code?: unknown } | null)?.code));
}

/** What a log line needs of a driver error: its message and code (pg errors carry their whole client otherwise). */
export function describeDatabaseError(err: unknown): { message: string; code?: string } {
  const { message, code } = (err ?? {}) as { message?: unknown; code?: unknown };
  return { message: typeof message === "string" ? message : String(err), ...(typeof code === "string" ? { code } : {}) };
}

// Class 08: connection exceptions. 57P01-57P03: admin shutdown, crash shutdown, cannot connect now.
// 53300: too many connections. 55000 is broader; only its "not currently accepting connections" counts.
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "53300"]);
const TRANSIENT_STATES = new Set(["57014", "55P03", "40P01", "40001"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ENOTFOUND"]);
// pg and pg-pool's own errors carry no code: a connection that ended, a pool that could not connect in time.
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Connection ended unexpectedly$/,
  /is not currently accepting connections$/,
];

function isUnavailable(e: { code?: unknown; message?: unknown }): boolean {
  const code = typeof e.code === "string" ? e.code : "";
  if (code.startsWith("08") || UNAVAILABLE_STATES.has(code) || NETWORK_CODES.has(code)) return true;
  if (code !== "" && code !== "55000") return false;
  return typeof e.message === "string" && DRIVER_MESSAGES.some((m) => m.test(e.message as string));
}
