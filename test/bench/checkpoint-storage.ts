/**
 * What a thread's checkpoints take in PostgreSQL: every table of the `langgraph` schema named
 * `checkpoints` or `checkpoint_*` (found in information_schema, so a table another change adds is
 * counted without touching this file), three ways:
 *   - disk: the pages of the tables, their TOAST and all their indexes (each relation's main fork),
 *     the whole database's rows, so the caller takes deltas around the thread's turns. Not
 *     `pg_total_relation_size`: it also counts the free-space and visibility maps, which appear
 *     (about 32 kB a table, 24 kB an index) whenever autovacuum first visits a table, so two runs
 *     of the same commit differed by 0.1 MB on whether it had;
 *   - rows: `pg_column_size` of the thread's rows as stored (compressed where PostgreSQL compressed);
 *   - raw: the thread's column values before compression (bytea as is, other columns as text).
 */
import pg from "pg";

const SCHEMA = "langgraph";

export interface StorageSample {
  diskBytes: number;
  rowBytes: number;
  rawBytes: number;
  rows: number;
  /** Per table: [disk, rows' bytes, row count]. */
  tables: Record<string, [number, number, number]>;
}

export class CheckpointStorage {
  private constructor(
    private readonly client: pg.Client,
    private readonly tables: { name: string; columns: { name: string; type: string }[] }[],
  ) {}

  static async open(databaseUrl: string): Promise<CheckpointStorage> {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
    await client.connect();
    const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_name, c.column_name, c.data_type
       FROM information_schema.tables t JOIN information_schema.columns c USING (table_schema, table_name)
       WHERE t.table_schema = $1 AND t.table_type = 'BASE TABLE'
         AND (t.table_name = 'checkpoints' OR t.table_name LIKE 'checkpoint\\_%')
       ORDER BY c.table_name, c.ordinal_position`,
      [SCHEMA],
    );
    const byTable = new Map<string, { name: string; type: string }[]>();
    for (const r of rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), { name: r.column_name, type: r.data_type }]);
    return new CheckpointStorage(client, [...byTable].map(([name, columns]) => ({ name, columns })));
  }

  tableNames(): string[] {
    return this.tables.map((t) => t.name);
  }

  /** The tables' sizes now, and the bytes of `threadId`'s rows in them. */
  async sample(threadId: string): Promise<StorageSample> {
    const out: StorageSample = { diskBytes: 0, rowBytes: 0, rawBytes: 0, rows: 0, tables: {} };
    for (const table of this.tables) {
      const name = `${ident(SCHEMA)}.${ident(table.name)}`;
      const raw = table.columns.map((c) => (c.type === "bytea" ? `coalesce(octet_length(t.${ident(c.name)}), 0)` : `coalesce(octet_length(t.${ident(c.name)}::text), 0)`));
      // A table without a thread_id column (none today) cannot be attributed to the thread.
      const perThread = table.columns.some((c) => c.name === "thread_id");
      const { rows } = await this.client.query<{ disk: string; row_bytes: string | null; raw_bytes: string | null; n: string }>(
        `SELECT (SELECT sum(pg_relation_size(r.oid, 'main')) FROM pg_class r
                 WHERE r.oid IN (SELECT $1::regclass UNION ALL SELECT reltoastrelid FROM pg_class WHERE oid = $1::regclass)
                    OR r.oid IN (SELECT i.indexrelid FROM pg_index i
                                 WHERE i.indrelid IN (SELECT $1::regclass UNION ALL SELECT reltoastrelid FROM pg_class WHERE oid = $1::regclass))) AS disk,
                ${perThread ? `(SELECT sum(pg_column_size(t.*)) FROM ${name} t WHERE t.thread_id = $2)` : "NULL"} AS row_bytes,
                ${perThread ? `(SELECT sum(${raw.join(" + ")}) FROM ${name} t WHERE t.thread_id = $2)` : "NULL"} AS raw_bytes,
                ${perThread ? `(SELECT count(*) FROM ${name} t WHERE t.thread_id = $2)` : "0"} AS n`,
        perThread ? [name, threadId] : [name],
      );
      const r = rows[0]!;
      out.diskBytes += Number(r.disk);
      out.rowBytes += Number(r.row_bytes ?? 0);
      out.rawBytes += Number(r.raw_bytes ?? 0);
      out.rows += Number(r.n);
      out.tables[table.name] = [Number(r.disk), Number(r.row_bytes ?? 0), Number(r.n)];
    }
    return out;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
