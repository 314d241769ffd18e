import { PostgresStore } from "@langchain/langgraph-checkpoint-postgres/store";
import type pg from "pg";
import { CHECKPOINT_SCHEMA } from "./create-checkpointer.js";

/**
 * The store every graph gets (`config.store`, `getStore()`): LangGraph's PostgreSQL store, in the
 * checkpoints' schema. It keeps a small pool of its own; its tables are set up with our migrations
 * (under their lock), never on first use.
 */
export function createStore(url: string): PostgresStore {
  const store = new PostgresStore({
    connectionOptions: { connectionString: url, max: 4, application_name: "threadloom", idleTimeoutMillis: 10_000 },
    schema: CHECKPOINT_SCHEMA,
    ensureTables: false,
  });
  // An idle connection the server ends (a restart, pg_terminate_backend) is an 'error' on the pool,
  // which without a listener would end the process; the next use connects again.
  (store as unknown as { core: { pool: pg.Pool } }).core.pool.on("error", () => {});
  return store;
}
