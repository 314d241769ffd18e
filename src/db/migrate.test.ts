import { describe, expect, it } from "vitest";
import { createPool } from "./create-pool.js";
import { migrate, readMigrations } from "./migrate.js";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { admin } from "../../test/helpers/global-setup.js";
import { inject } from "vitest";
import { createCheckpointer, CHECKPOINT_SCHEMA } from "./create-checkpointer.js";

describe("migrate", () => {
  it("applies every numbered migration once, even when several processes start together", async () => {
    const db = await createTestDatabase();
    const name = `${db.name}_fresh`;
    await admin(inject("pgServerUrl"), `CREATE DATABASE ${name}`);
    const url = db.url.replace(db.name, name);
    const pools = [0, 1, 2].map(() => db.track(createPool(url, { max: 2 })));
    try {
      const results = await Promise.all(pools.map((p) => migrate(p, () => createCheckpointer(p).setup())));
      const all = (await readMigrations()).map((m) => m.version);
      expect(results.flat().sort((a, b) => a - b)).toEqual(all);
      const { rows } = await pools[0].query("SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.map((r) => r.version)).toEqual(all);
      const saver = await pools[0].query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1", [CHECKPOINT_SCHEMA]);
      expect(saver.rows[0].n).toBeGreaterThanOrEqual(4);
      expect(await migrate(pools[1])).toEqual([]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await admin(inject("pgServerUrl"), `DROP DATABASE ${name} WITH (FORCE)`);
    }
  });
});
