import type pg from "pg";
import type { Owner } from "../conversations/conversation-repository.js";
import type { ThreadloomSaver } from "../db/threadloom-saver.js";
import type { StoreRepository } from "../store/store-repository.js";
import type { AgentRuns } from "./agent-runs.js";

/** What `POST /internal/truncate` empties. */
export interface TruncateFlags {
  runs?: boolean;
  threads?: boolean;
  assistants?: boolean;
  checkpoints?: boolean;
  store?: boolean;
}

export interface TruncateDeps {
  pool: pg.Pool;
  agentRuns: AgentRuns;
  checkpointer: ThreadloomSaver;
  store: StoreRepository;
}

/** How long the truncate waits for the owner's runs it stopped to end. */
const STOP_WAIT_MS = 10_000;

const OWNER_THREADS = `SELECT thread_id FROM threads WHERE tenant_id = $1 AND user_id = $2`;
const DELETE_OWNER_THREADS = `DELETE FROM threads WHERE tenant_id = $1 AND user_id = $2 RETURNING thread_id`;
const DELETE_OWNER_RUNS = `DELETE FROM runs WHERE thread_id IN (${OWNER_THREADS}) AND status <> 'running'`;
const DELETE_TENANT_ASSISTANTS = `DELETE FROM assistants WHERE tenant_id = $1`;
// With their checkpoints gone, threads are as new: no messages, no head.
const EMPTY_MIRRORS = `
  WITH gone AS (DELETE FROM messages WHERE thread_id = ANY($1::uuid[]))
  UPDATE threads SET head_checkpoint_id = NULL, message_count = 0, status = 'idle', updated_at = now()
  WHERE thread_id = ANY($1::uuid[])`;

/**
 * LangGraph's test hook (`/internal/truncate`, which its API suite calls between tests): empties
 * the caller's data for each flag, never another owner's. Threads take their runs, mirrors and
 * checkpoints with them; assistants are the tenant's stored ones (each graph's own stays), and so is
 * the store. The owner's runs are stopped first and waited for, so nothing running writes into what
 * is emptied.
 */
export async function truncateOwnerData(deps: TruncateDeps, owner: Owner, flags: TruncateFlags): Promise<void> {
  if (flags.runs || flags.threads || flags.checkpoints) await stopOwnerRuns(deps, owner);
  const owned = [owner.tenantId, owner.userId];
  if (flags.threads) {
    const { rows } = await deps.pool.query<{ thread_id: string }>(DELETE_OWNER_THREADS, owned);
    for (const { thread_id } of rows) await deps.checkpointer.deleteThread(thread_id);
  } else {
    if (flags.runs) await deps.pool.query(DELETE_OWNER_RUNS, owned);
    if (flags.checkpoints) {
      const ids = (await deps.pool.query<{ thread_id: string }>(OWNER_THREADS, owned)).rows.map((r) => r.thread_id);
      for (const id of ids) await deps.checkpointer.deleteThread(id);
      await deps.pool.query(EMPTY_MIRRORS, [ids]);
    }
  }
  if (flags.assistants) await deps.pool.query(DELETE_TENANT_ASSISTANTS, [owner.tenantId]);
  if (flags.store) await deps.store.clear(owner.tenantId);
}

async function stopOwnerRuns(deps: TruncateDeps, owner: Owner): Promise<void> {
  const running = await deps.agentRuns.cancelMany(owner, { status: "all" }, "interrupt");
  const signal = AbortSignal.timeout(STOP_WAIT_MS);
  await Promise.all(running.map((runId) => deps.agentRuns.ended(runId, signal).catch(() => {})));
}
