/** The conversation mirror's SQL, kept apart from the code that calls it. */
import { CHECKPOINT_SCHEMA } from "../db/create-checkpointer.js";
import { claimCte } from "../runs/run-claim.js";


const THREAD_COLUMNS = `thread_id, client_thread_id, known_as, tenant_id, user_id, graph_id, graph_chosen, assistant_id, title, metadata, status,
  head_checkpoint_id, message_count, created_at, updated_at, updated_at::text AS cursor_at`;

/** A thread recreated from an export: the caller's, with the export's title and metadata. */
export const INSERT_IMPORTED_THREAD = `
  INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, title, metadata)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  RETURNING ${THREAD_COLUMNS}`;

/**
 * A batch of an import's messages ($2, JSON rows: one parameter, not an array per column, which the
 * driver would escape character by character). Head-branch rows are dated to the import's checkpoint
 * ($3); the other branches live in the mirror only. Each keeps the export's time: order by time is
 * what keeps the tree's and the siblings' order through a round trip.
 */
export const INSERT_IMPORTED_MESSAGES = `
  INSERT INTO messages (thread_id, message_id, role, content, parts, tool_call_id, name, metadata, input_tokens,
                        output_tokens, total_tokens, latency_ms, ttft_ms, model, provider_id, status, parent_id, position,
                        checkpoint_id, on_head_branch, created_at)
  SELECT $1, message_id, role, content, parts, tool_call_id, name, metadata, input_tokens, output_tokens, total_tokens,
         latency_ms, ttft_ms, model, provider_id, status, parent_id, position, CASE WHEN on_head_branch THEN $3 END, on_head_branch, created_at
  FROM json_to_recordset($2::json) AS r(message_id text, role text, content text, parts jsonb, tool_call_id text, name text,
       metadata jsonb, input_tokens int, output_tokens int, total_tokens int, latency_ms int, ttft_ms int, model text,
       provider_id uuid, status text, parent_id text, position int, on_head_branch boolean, created_at timestamptz)`;

/** An imported thread once its messages are in: its head, count and (unless the export had one) title. */
export const FINISH_IMPORTED_THREAD = `
  UPDATE threads SET message_count = $2, head_checkpoint_id = $3, title = COALESCE(title, $4), status = 'idle', updated_at = now()
  WHERE thread_id = $1`;

/**
 * A thread made from another (a fork): same owner, graph and assistant, with the metadata $4 (the
 * original's, marked with its origin; see ThreadBranches.fork).
 */
export const INSERT_FORKED_THREAD = `
  INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, title, metadata)
  SELECT $2, tenant_id, user_id, graph_id, assistant_id, title, $3::jsonb
  FROM threads WHERE thread_id = $1::uuid
  RETURNING ${THREAD_COLUMNS}`;

/**
 * Whether the thread's mirror is behind its newest checkpoint (the process died before projecting;
 * SELECT_STALE_THREAD's test), read with the thread by the finds below: one round trip, not two,
 * before every run and read of a thread.
 */
const MIRROR_BEHIND = `EXISTS (
    SELECT 1 FROM (
      SELECT checkpoint_id FROM ${CHECKPOINT_SCHEMA}.checkpoints c
      WHERE c.thread_id = threads.thread_id::text AND c.checkpoint_ns = ''
      ORDER BY checkpoint_id DESC LIMIT 1
    ) newest WHERE threads.head_checkpoint_id IS DISTINCT FROM newest.checkpoint_id
  ) AS mirror_behind`;

export const SELECT_THREAD = `
  SELECT ${THREAD_COLUMNS}, ${MIRROR_BEHIND} FROM threads WHERE thread_id = $1 AND tenant_id = $2 AND user_id = $3`;

/**
 * The owner's ($2, $3) thread a native client names $1: the thread with that UUID ($4, null when
 * $1 is not one, and `known_as` counting as its UUID), else the thread the client named $1 itself.
 */
export const SELECT_NAMED_THREAD = `
  SELECT ${THREAD_COLUMNS}, ${MIRROR_BEHIND} FROM threads
  WHERE tenant_id = $2 AND user_id = $3 AND (COALESCE(known_as, thread_id) = $4::uuid OR client_thread_id = $1)
  ORDER BY COALESCE(known_as, thread_id) = $4::uuid DESC NULLS LAST
  LIMIT 1`;

/** The owner's ($2, $3) thread the Agent Server API names $1: by its UUID (the one it is known by, if any). */
export const SELECT_AGENT_THREAD = `
  SELECT ${THREAD_COLUMNS}, ${MIRROR_BEHIND} FROM threads WHERE tenant_id = $2 AND user_id = $3 AND COALESCE(known_as, thread_id) = $1`;

/**
 * The owner's ($1, $2) threads that pass the list filters, whose parameters start at $n: status,
 * metadata containing a JSON object (`@>`, GIN index), and a full-text query in web-search syntax
 * that a message of any branch must match (the messages' generated tsvector, GIN index): a user
 * remembers what they wrote, not which branch it is on; and metadata containing what an auth
 * handler allows; the assistant and the graph the thread was made with. Null is off.
 */
const threadFilters = (n: number) => `tenant_id = $1 AND user_id = $2
    AND ($${n}::text IS NULL OR status = $${n})
    AND ($${n + 4}::text IS NULL OR assistant_id = $${n + 4})
    AND ($${n + 5}::text IS NULL OR graph_id = $${n + 5})
    AND ($${n + 1}::jsonb IS NULL OR metadata @> $${n + 1}::jsonb)
    AND ($${n + 3}::jsonb IS NULL OR metadata @> $${n + 3}::jsonb)
    AND ($${n + 2}::text IS NULL OR EXISTS (
      SELECT 1 FROM messages m
      WHERE m.thread_id = threads.thread_id AND m.search @@ websearch_to_tsquery('simple', $${n + 2})))`;

// Plain-text markers: a snippet is message text, and HTML tags would invite rendering it unescaped.
// ShortWord=0: a fragment may start or end with a short word ("a brown fox" keeps its "a").
const HEADLINE_OPTIONS = 'StartSel=«, StopSel=», MaxWords=30, MinWords=12, ShortWord=0, MaxFragments=2, FragmentDelimiter=" … "';

// Keyset pagination on (updated_at, thread_id), newest first, also with filters and search (a
// search is not ranked: ordering stays the keyset's). The cursor keeps updated_at as text so
// microseconds survive the round trip through JavaScript. With a query ($8), each thread of the
// page comes with a snippet of its best-ranked matching message, of any branch; between equals, the
// head branch's (an edited message and its original often match alike).
export const LIST_THREADS = `
  SELECT page.*, best.message_id AS match_message_id, best.snippet AS match_snippet, best.on_head_branch AS match_on_head_branch
  FROM (
    SELECT ${THREAD_COLUMNS} FROM threads
    WHERE ${threadFilters(6)}
      AND ($3::timestamptz IS NULL OR (updated_at, thread_id) < ($3::timestamptz, $4::uuid))
    ORDER BY updated_at DESC, thread_id DESC
    LIMIT $5
  ) page
  LEFT JOIN LATERAL (
    SELECT m.message_id, m.on_head_branch, ts_headline('simple', m.content, q.query, '${HEADLINE_OPTIONS}') AS snippet
    FROM messages m, websearch_to_tsquery('simple', $8) AS q(query)
    WHERE $8::text IS NOT NULL AND m.thread_id = page.thread_id AND m.search @@ q.query
    ORDER BY ts_rank(m.search, q.query) DESC, m.on_head_branch DESC, m.position DESC
    LIMIT 1
  ) best ON true
  ORDER BY page.updated_at DESC, page.thread_id DESC`;

/** How many threads pass the list filters, over all pages. */
export const COUNT_THREADS = `SELECT count(*)::int AS total FROM threads WHERE ${threadFilters(3)}`;

/**
 * A client's edit: the title replaces ($4, when given); metadata ($5) is merged one level deep,
 * like a JSON merge patch: the keys sent replace those keys, a key sent as null is removed.
 */
export const UPDATE_THREAD = `
  UPDATE threads SET
    title = COALESCE($4, title),
    metadata = CASE WHEN $5::jsonb IS NULL THEN metadata
                    ELSE (metadata || $5::jsonb) - ARRAY(SELECT key FROM jsonb_each($5::jsonb) WHERE value = 'null'::jsonb) END,
    updated_at = now()
  WHERE thread_id = $1 AND tenant_id = $2 AND user_id = $3
  RETURNING ${THREAD_COLUMNS}`;

/**
 * Holds the thread's run slot for the rest of the transaction: a run's claim inserts a `runs` row
 * referencing this row, and that foreign-key check waits for the lock.
 */
export const LOCK_THREAD = `SELECT status, client_thread_id, known_as FROM threads WHERE thread_id = $1 FOR UPDATE`;

// A statement of its own, run after the lock is granted: under READ COMMITTED it then sees a run
// whose claim committed while we waited (a subquery of the locking statement would not). A run
// waiting in the thread's queue holds it too, as upstream: it would start from the state written now.
export const SELECT_RUNNING_RUN = `
  SELECT run_id FROM runs WHERE thread_id = $1 AND status IN ('running', 'pending')
  ORDER BY status = 'running' DESC, created_at, run_id LIMIT 1`;

/** Which of the given message ids the thread has ever had, on any branch. */
export const SELECT_TAKEN_MESSAGE_IDS = `SELECT message_id FROM messages WHERE thread_id = $1 AND message_id = ANY($2::text[])`;

/**
 * The owner's threads made with assistant $3 (or runs of it), or whose metadata names it as the
 * Agent Server's threads do (`metadata.assistant_id`).
 */
export const SELECT_ASSISTANT_THREADS = `
  SELECT ${THREAD_COLUMNS} FROM threads
  WHERE tenant_id = $1 AND user_id = $2 AND (assistant_id = $3 OR metadata->>'assistant_id' = $3)
  ORDER BY created_at, thread_id`;

// Every thread of the owner in creation order, by keyset on (created_at, thread_id): a thread that
// changes while an export runs keeps its place, so none is skipped or sent twice. $6: metadata an
// auth handler requires (null: none).
export const SELECT_THREAD_BATCH = `
  SELECT ${THREAD_COLUMNS}, created_at::text AS created_cursor FROM threads
  WHERE tenant_id = $1 AND user_id = $2 AND ($6::jsonb IS NULL OR metadata @> $6::jsonb)
    AND ($3::timestamptz IS NULL OR (created_at, thread_id) > ($3::timestamptz, $4::uuid))
  ORDER BY created_at, thread_id
  LIMIT $5`;

export const SET_THREAD_STATUS = `UPDATE threads SET status = $2, updated_at = now() WHERE thread_id = $1`;

export const DELETE_THREAD = `DELETE FROM threads WHERE thread_id = $1 AND tenant_id = $2 AND user_id = $3`;

const MESSAGE_COLUMNS = `message_id, role, content, parts, tool_call_id, name, metadata, input_tokens, output_tokens,
  total_tokens, latency_ms, ttft_ms, model, provider_id, status, parent_id, checkpoint_id, position, on_head_branch, created_at`;

/**
 * The head branch, each message with its siblings: the messages of any branch that follow the same
 * parent (an edited user message, a regenerated reply), oldest first. The count and the ids take the
 * whole partition: with ORDER BY, a window's default frame ends at the current row (a running count).
 */
export const SELECT_HEAD_MESSAGES = `
  SELECT * FROM (
    SELECT ${MESSAGE_COLUMNS},
           count(*) OVER (siblings ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS sibling_count,
           row_number() OVER siblings - 1 AS sibling_index,
           array_agg(message_id) OVER (siblings ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS sibling_ids
    FROM messages WHERE thread_id = $1
    WINDOW siblings AS (PARTITION BY parent_id ORDER BY created_at, position, message_id)
  ) m
  WHERE on_head_branch ORDER BY position`;

/** Every message of every branch: the tree, in the order the messages were first seen. */
export const SELECT_ALL_MESSAGES = `
  SELECT ${MESSAGE_COLUMNS} FROM messages WHERE thread_id = $1 ORDER BY created_at, position, message_id`;

/**
 * Makes the mirror equal to the head branch of the checkpoint state in one statement: upsert the
 * branch's messages that are new or changed (`upserted` counts those), take every other message off
 * the head branch (kept, never deleted), update the thread's counters (title from the first user
 * message, once), and close the run ($21, if any) that produced this state: all or nothing. With the run's claim ($30 worker, $31 epoch),
 * nothing at all unless the run still holds it: then no row comes back.
 */
export const PROJECT_THREAD = `
  WITH ${claimCte("$21", "$30", "$31")}, fence AS (
    SELECT $30::int IS NULL OR EXISTS (SELECT 1 FROM claim) AS held
  ), input AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::int[], $10::int[], $11::int[], $12::int[], $13::int[], $14::text[], $15::text[],
                         $16::text[], $17::int[], $29::text[], $32::uuid[])
      AS t(message_id, role, content, parts, tool_call_id, name, metadata, input_tokens, output_tokens,
           total_tokens, latency_ms, ttft_ms, model, status, parent_id, position, first_checkpoint_id, provider_id)
  ), upserted AS (
    INSERT INTO messages (thread_id, message_id, role, content, parts, tool_call_id, name, metadata,
                          input_tokens, output_tokens, total_tokens, latency_ms, ttft_ms, model, provider_id, status,
                          parent_id, position, checkpoint_id, on_head_branch)
    SELECT $1, message_id, role, content, parts::jsonb, tool_call_id, name, metadata::jsonb, input_tokens,
           output_tokens, total_tokens, latency_ms, ttft_ms, model, provider_id, status, parent_id, position,
           COALESCE(first_checkpoint_id, $18), true
    FROM input i WHERE (SELECT held FROM fence)
      -- Only what changed: a thread's earlier messages come again every turn, and rewriting each
      -- one (a new row version, its text searched again, its index entries) made a turn's cost grow
      -- with the thread's length.
      AND NOT EXISTS (
        SELECT 1 FROM messages m
        WHERE m.thread_id = $1 AND m.message_id = i.message_id AND m.on_head_branch
          AND (m.role, m.content, m.parts, m.tool_call_id, m.name, m.metadata, m.input_tokens, m.output_tokens,
               m.total_tokens, m.latency_ms, m.ttft_ms, m.model, m.provider_id, m.status, m.parent_id, m.position)
          IS NOT DISTINCT FROM (i.role, i.content, i.parts::jsonb, i.tool_call_id, i.name, i.metadata::jsonb, i.input_tokens,
               i.output_tokens, i.total_tokens, i.latency_ms, i.ttft_ms, i.model, i.provider_id, i.status, i.parent_id, i.position)
      )
    ON CONFLICT (thread_id, message_id) DO UPDATE SET
      role = excluded.role, content = excluded.content, parts = excluded.parts,
      tool_call_id = excluded.tool_call_id, name = excluded.name, metadata = excluded.metadata,
      input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
      total_tokens = excluded.total_tokens, latency_ms = excluded.latency_ms, ttft_ms = excluded.ttft_ms,
      model = excluded.model, provider_id = excluded.provider_id, status = excluded.status, parent_id = excluded.parent_id,
      position = excluded.position, on_head_branch = true
    RETURNING 1
  ), off_branch AS (
    UPDATE messages SET on_head_branch = false
    WHERE thread_id = $1 AND on_head_branch AND message_id <> ALL($2::text[]) AND (SELECT held FROM fence)
    RETURNING 1
  ), closed_run AS (
    UPDATE runs SET status = $22, input_tokens = $23, output_tokens = $24, total_tokens = $25, ttft_ms = $26,
                    latency_ms = $27, error = $28, ended_at = now(), updated_at = now()
    WHERE run_id = $21 AND (SELECT held FROM fence)
    RETURNING 1
  ), waiting AS (
    -- Queued runs (multitask_strategy enqueue) keep the thread busy; the caller starts the next one.
    SELECT EXISTS (SELECT 1 FROM runs WHERE thread_id = $1 AND status = 'pending') AS pending
  )
  UPDATE threads SET
    message_count = cardinality($2::text[]),
    head_checkpoint_id = $18,
    title = COALESCE(title, $19),
    status = CASE WHEN (SELECT pending FROM waiting) THEN 'busy' ELSE $20 END,
    updated_at = now()
  WHERE thread_id = $1 AND (SELECT held FROM fence)
  RETURNING (SELECT count(*) FROM upserted) AS upserted, (SELECT count(*) FROM off_branch) AS off_branch,
            (SELECT count(*) FROM closed_run) AS closed_run, (SELECT pending FROM waiting) AS pending`;

/** Threads whose mirror is behind their newest checkpoint (the process died before projecting). */
export const SELECT_STALE_THREAD = `
  SELECT t.thread_id, c.checkpoint_id
  FROM threads t
  JOIN LATERAL (
    SELECT checkpoint_id FROM ${CHECKPOINT_SCHEMA}.checkpoints c
    WHERE c.thread_id = t.thread_id::text AND c.checkpoint_ns = ''
    ORDER BY checkpoint_id DESC LIMIT 1
  ) c ON true
  WHERE t.thread_id = ANY($1::uuid[]) AND t.head_checkpoint_id IS DISTINCT FROM c.checkpoint_id`;

/** An empty thread under a fresh UUID (a copy); no row when the id is taken. */
export const INSERT_THREAD = `
  INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, metadata)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (thread_id) DO NOTHING
  RETURNING ${THREAD_COLUMNS}`;

/**
 * An empty thread the Agent Server API creates under the UUID $1 its owner ($2, $3) asked for, in one
 * statement either way: stored under $1 when no thread has it, else under the fresh UUID $7 and known
 * as $1 (see migration 0010), so another owner's thread never changes the answer. No row when the
 * owner has such a thread already (made meanwhile).
 */
export const INSERT_AGENT_THREAD = `
  WITH direct AS (
    INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, metadata, graph_chosen)
    VALUES ($1, $2, $3, $4, $5, $6, $8)
    ON CONFLICT DO NOTHING
    RETURNING ${THREAD_COLUMNS}
  ), known AS (
    INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, metadata, known_as, graph_chosen)
    SELECT $7, $2, $3, $4, $5, $6, $1, $8
    WHERE NOT EXISTS (SELECT 1 FROM direct)
    -- The owner's own thread with this UUID (made meanwhile) conflicts on threads_owner_uuid.
    ON CONFLICT DO NOTHING
    RETURNING ${THREAD_COLUMNS}
  )
  SELECT * FROM direct UNION ALL SELECT * FROM known`;

/**
 * The Agent Server's thread filters on the owner's ($1, $2) threads: status ($3), metadata
 * containing a JSON object ($4), and a list of ids ($5). Its `graph_id` key is our graph_id column,
 * which the API shows inside metadata, so a thread created by /api/chat matches it too. $6: metadata
 * an auth handler requires, as stored.
 */
const AGENT_THREAD_FILTERS = `tenant_id = $1 AND user_id = $2
    AND ($3::text IS NULL OR status = $3)
    AND ($4::jsonb IS NULL OR metadata @> ($4::jsonb - 'graph_id'))
    AND ($4::jsonb ->> 'graph_id' IS NULL OR (graph_chosen AND graph_id = $4::jsonb ->> 'graph_id'))
    AND ($5::uuid[] IS NULL OR COALESCE(known_as, thread_id) = ANY($5::uuid[]))
    AND ($6::jsonb IS NULL OR metadata @> $6::jsonb)`;

export const AGENT_THREAD_SORTS = { thread_id: "thread_id", status: "status", created_at: "created_at", updated_at: "updated_at" } as const;

/**
 * A page of the Agent Server's thread search. It pages by offset because the wire protocol does
 * (the official client sends `offset`); the owner index bounds what the offset walks over.
 */
export const searchAgentThreads = (sortBy: keyof typeof AGENT_THREAD_SORTS, order: "asc" | "desc") => `
  SELECT ${THREAD_COLUMNS} FROM threads
  WHERE ${AGENT_THREAD_FILTERS}
  ORDER BY ${AGENT_THREAD_SORTS[sortBy]} ${order === "asc" ? "ASC" : "DESC"}, thread_id ${order === "asc" ? "ASC" : "DESC"}
  LIMIT $7 OFFSET $8`;

export const COUNT_AGENT_THREADS = `SELECT count(*)::int AS total FROM threads WHERE ${AGENT_THREAD_FILTERS}`;
