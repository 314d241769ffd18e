import pg from "pg";

/**
 * Wraps every pg `Client#query` of this process: `begin` hears of each statement as it is sent (its
 * arguments) and returns what to call once it has ended, or null to leave it unwatched.
 */
export function hookClientQueries(begin: (args: unknown[]) => (() => void) | null): void {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: typeof query }).query = function (this: pg.Client, ...args: unknown[]) {
    const finish = begin(args);
    if (!finish) return query.apply(this, args);
    const last = args.length - 1;
    if (typeof args[last] === "function") {
      const cb = args[last] as (...a: unknown[]) => unknown;
      args[last] = (...a: unknown[]) => (finish(), cb(...a));
      return query.apply(this, args);
    }
    const result = query.apply(this, args) as Promise<unknown> | undefined;
    result?.then?.(finish, finish);
    return result;
  };
}
