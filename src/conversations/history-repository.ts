import type { Queryable } from "../db/queryable.js";
import { malformedCursor } from "../db/keyset-cursor.js";
import type { Page } from "./conversation-repository.js";
import * as sql from "./history-sql.js";

type Versions = Record<string, number | string>;

export interface CheckpointSummary {
  checkpointId: string;
  parentCheckpointId: string | null;
  step: number;
  source: string;
  createdAt: string;
  /** Message ids that first appeared in this checkpoint, in order. */
  addedMessageIds: string[];
  channelVersions: Versions;
  versionsSeen: Record<string, Versions>;
  /** Channels that hold a value at this checkpoint. */
  available: string[];
  /** The writers the checkpoint's metadata names (`writes`, LangGraph 0.x), if it names any. */
  recordedWriters: string[] | null;
  /** A loop checkpoint's parent, whose next tasks wrote it. */
  parent: { channelVersions: Versions; versionsSeen: Record<string, Versions>; available: string[] } | null;
}

export interface MessageCheckpoints {
  role: string;
  checkpointId: string | null;
  /** The checkpoint the thread stood at before this message appeared. */
  before: string | null;
}

type Versioned = Pick<CheckpointSummary, "channelVersions" | "versionsSeen" | "available">;

function versionsOf(r: { channel_versions: Versions | null; versions_seen: Record<string, Versions> | null; available: string[] }): Versioned {
  return { channelVersions: r.channel_versions ?? {}, versionsSeen: r.versions_seen ?? {}, available: r.available };
}

/** A thread's checkpoints as history: what the saver wrote, read without decoding any state. */
export class HistoryRepository {
  constructor(private readonly db: Queryable) {}

  async listCheckpoints(threadId: string, options: { limit: number; cursor?: string }): Promise<Page<CheckpointSummary>> {
    // A history cursor is the last checkpoint id of the previous page.
    if (options.cursor !== undefined && !/^[0-9a-f-]{36}$/.test(options.cursor)) throw malformedCursor();
    // One row past the page tells whether there is a next page, and is most often the last row's parent.
    const { rows } = await this.db.query(sql.LIST_CHECKPOINTS, [threadId, options.cursor ?? null, options.limit + 1]);
    const versions = new Map(rows.map((r) => [r.checkpoint_id as string, versionsOf(r)]));
    const page = rows.slice(0, options.limit);
    // A loop step was written by the tasks that ran from its parent: the parents the page lacks
    // (a branch point, a page's end) are read too, still without decoding any state.
    const missing = [...new Set(page.filter((r) => r.source === "loop" && r.parent_checkpoint_id && !versions.has(r.parent_checkpoint_id)).map((r) => r.parent_checkpoint_id as string))];
    if (missing.length > 0) for (const r of (await this.db.query(sql.CHECKPOINT_VERSIONS, [threadId, missing])).rows) versions.set(r.checkpoint_id, versionsOf(r));
    const items = page.map((r) => ({
      checkpointId: r.checkpoint_id, parentCheckpointId: r.parent_checkpoint_id, step: r.step, source: r.source,
      createdAt: r.created_at, addedMessageIds: r.added, ...versionsOf(r), recordedWriters: r.recorded_writers,
      parent: r.source === "loop" && r.parent_checkpoint_id ? (versions.get(r.parent_checkpoint_id) ?? null) : null,
    }));
    return { items, nextCursor: rows.length > options.limit ? items.at(-1)!.checkpointId : null };
  }

  /**
   * Where a message first appeared and the checkpoint before it. An `input` checkpoint only holds
   * the coming input, so the checkpoint before a user message is the one before that, if any.
   */
  async messageCheckpoints(threadId: string, messageId: string): Promise<MessageCheckpoints | null> {
    const { rows } = await this.db.query(sql.MESSAGE_CHECKPOINTS, [threadId, messageId]);
    const r = rows[0];
    if (!r) return null;
    // A reply's parent is an input checkpoint only once retention pruned the steps between (their
    // parents are relinked): running from that input runs the whole turn again, a regeneration.
    const before = r.role === "user" && r.parent_source === "input" && r.grandparent_checkpoint_id ? r.grandparent_checkpoint_id : r.parent_checkpoint_id;
    return { role: r.role, checkpointId: r.checkpoint_id, before: before ?? null };
  }

  /** The newest checkpoint on the branch through `checkpointId`. */
  async branchTip(threadId: string, checkpointId: string): Promise<string | null> {
    const { rows } = await this.db.query(sql.BRANCH_TIP, [threadId, checkpointId]);
    return rows[0]?.tip ?? null;
  }

  /** Whether the thread has the checkpoint (any checkpoint of namespace `ns`, without an id). */
  async checkpointExists(threadId: string, checkpointId: string | null, ns = ""): Promise<boolean> {
    return (await this.db.query(sql.CHECKPOINT_EXISTS, [threadId, checkpointId, ns])).rows.length > 0;
  }
}

/**
 * Which nodes run next from a checkpoint, by LangGraph's rule for pull tasks: a node runs when one of
 * its trigger channels holds a value newer than the version the node last saw.
 */
export function nextNodes(summary: Pick<CheckpointSummary, "channelVersions" | "versionsSeen" | "available">, triggers: Record<string, string[]>): string[] {
  const available = new Set(summary.available);
  const newer = (a: number | string | undefined, b: number | string | undefined) => a !== undefined && (b === undefined || a > b);
  return Object.entries(triggers)
    .filter(([node, channels]) => channels.some((chan) => available.has(chan) && newer(summary.channelVersions[chan], summary.versionsSeen[node]?.[chan])))
    .map(([node]) => node);
}

/**
 * The nodes that wrote a checkpoint: the ones its metadata names, else by its source: the caller's
 * input (`__input__`), an `update_state` (`__update__`: LangGraph 1.x does not record its `as_node`),
 * a copy of another checkpoint (`__copy__`, a head switch), or for a loop step the tasks that ran
 * from its parent, which are the parent's `next`.
 */
export function writersOf(summary: Pick<CheckpointSummary, "source" | "recordedWriters" | "parent">, triggers: Record<string, string[]>): string[] {
  if (summary.recordedWriters?.length) return summary.recordedWriters;
  switch (summary.source) {
    case "input": return ["__input__"];
    case "update": return ["__update__"];
    case "fork": return ["__copy__"];
    default: return summary.parent ? nextNodes(summary.parent, triggers) : [];
  }
}
