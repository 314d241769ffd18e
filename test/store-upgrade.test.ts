import { randomUUID } from "node:crypto";
import { PostgresStore } from "@langchain/langgraph-checkpoint-postgres/store";
import { describe, expect, inject, it } from "vitest";
import { CHECKPOINT_SCHEMA } from "../src/db/create-checkpointer.js";
import { createPool } from "../src/db/create-pool.js";
import { migrate, readMigrations } from "../src/db/migrate.js";
import { admin } from "./helpers/global-setup.js";
import { createTestDatabase } from "./helpers/test-database.js";

// A database of the version before the store became ours: the migrations before it, and LangGraph's
// PostgresStore (langgraph.store) holding an outbox and other items. Migration 0014 moves them.
describe("upgrading a database whose items are in LangGraph's PostgresStore", () => {
  it("moves an outbox item to its thread's tenant and any other item to the default tenant, skipping expired ones", async () => {
    const db = await createTestDatabase();
    const name = `${db.name}_old`;
    await admin(inject("pgServerUrl"), `CREATE DATABASE ${name}`);
    const url = db.url.replace(db.name, name);
    const pool = db.track(createPool(url, { max: 2 }));
    const old = new PostgresStore({ connectionOptions: { connectionString: url, max: 1 }, schema: CHECKPOINT_SCHEMA });
    try {
      await pool.query("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      const migrations = await readMigrations();
      const storeVersion = migrations.find((m) => m.name === "store")!.version;
      for (const m of migrations.filter((m) => m.version < storeVersion)) {
        await pool.query(m.sql);
        await pool.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      }
      const threadId = randomUUID();
      await pool.query("INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, title, metadata) VALUES ($1, 'acme', 'alice', 'chat', 'chat', NULL, '{}')", [threadId]);
      await old.setup();
      await old.put(["outbox", threadId], "call_1", { to: "bob@example.com", thread_id: threadId });
      await old.put(["memories", "alice"], "food", { text: "pizza" });
      await old.put(["memories", "alice"], "gone", { text: "expired" });
      await pool.query("UPDATE langgraph.store SET expires_at = now() - interval '1 minute' WHERE key = 'gone'");

      expect(await migrate(pool)).toContain(storeVersion);
      const { rows } = await pool.query("SELECT tenant_id, namespace, key, value FROM store_items ORDER BY key");
      expect(rows).toEqual([
        { tenant_id: "acme", namespace: ["outbox", threadId], key: "call_1", value: { to: "bob@example.com", thread_id: threadId } },
        { tenant_id: "default", namespace: ["memories", "alice"], key: "food", value: { text: "pizza" } },
      ]);
    } finally {
      await old.stop();
      await pool.end();
      await admin(inject("pgServerUrl"), `DROP DATABASE ${name} WITH (FORCE)`);
    }
  });
});
