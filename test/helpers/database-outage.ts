import pg from "pg";
import { inject } from "vitest";

/**
 * A database outage on one test database, without touching the server others use: new
 * connections are refused (`ALLOW_CONNECTIONS false`) and the open ones are cut, as a restart does.
 * Statements go through the server's other database (the one the test run connects to).
 */
export class DatabaseOutage {
  constructor(
    private readonly database: string,
    /**
     * Sessions left open, by application name. The worker lease's (`threadloom-worker`) by default:
     * re-taking a lost lease is a change of its own (issue 9, item 2), not what these tests are about.
     */
    private readonly spare: string[] = ["threadloom-worker"],
    private readonly serverUrl: string = inject("pgServerUrl"),
  ) {}

  async begin(): Promise<void> {
    await this.admin(`ALTER DATABASE ${this.database} ALLOW_CONNECTIONS false`);
    await this.admin(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND NOT (application_name = ANY($2::text[]))",
      [this.database, this.spare],
    );
  }

  async end(): Promise<void> {
    await this.admin(`ALTER DATABASE ${this.database} ALLOW_CONNECTIONS true`);
  }

  private async admin(sql: string, params: unknown[] = []): Promise<void> {
    const client = new pg.Client({ connectionString: this.serverUrl });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  }
}
