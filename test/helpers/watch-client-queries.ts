import pg from "pg";

/** What a watched statement was sent with: its text and its values. */
export interface SentStatement {
  text: string;
  values: unknown[];
}

/**
 * Wraps every pg `Client#query` of this process (a pool's connections are Clients): `begin` hears of
 * each statement as it is sent and returns what to call once it has ended (with its result, none if
 * it failed), or null to leave it unwatched. Returns what puts `query` back.
 */
export function watchClientQueries(begin: (sent: SentStatement) => ((result?: pg.QueryResult) => void) | null): () => void {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: typeof query }).query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string; values?: unknown[] };
    const positional = Array.isArray(args[1]) ? (args[1] as unknown[]) : [];
    const finish = begin(typeof config === "string" ? { text: config, values: positional } : { text: config?.text ?? "", values: config?.values ?? positional });
    if (!finish) return query.apply(this, args);
    const last = args.length - 1;
    if (typeof args[last] === "function") {
      const cb = args[last] as (err: unknown, result?: pg.QueryResult) => unknown;
      args[last] = (err: unknown, result?: pg.QueryResult) => (finish(err ? undefined : result), cb(err, result));
      return query.apply(this, args);
    }
    const result = query.apply(this, args) as Promise<pg.QueryResult> | undefined;
    result?.then?.(finish, () => finish());
    return result;
  };
  return () => {
    pg.Client.prototype.query = query as typeof pg.Client.prototype.query;
  };
}
