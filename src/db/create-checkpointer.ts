import type pg from "pg";
import { ThreadloomSaver } from "./threadloom-saver.js";

/** LangGraph's tables live in a schema of their own, created by the saver's `setup()`. */
export const CHECKPOINT_SCHEMA = "langgraph";

/**
 * The saver shares the service's pool. Its `end()` would close that pool, so the service never
 * calls it: the pool's owner closes the pool.
 */
export function createCheckpointer(pool: pg.Pool): ThreadloomSaver {
  return new ThreadloomSaver(pool, CHECKPOINT_SCHEMA);
}
