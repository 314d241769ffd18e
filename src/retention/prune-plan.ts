/** A root checkpoint of a thread, as much of it as deciding what to keep takes. */
export interface CheckpointNode {
  checkpointId: string;
  parentCheckpointId: string | null;
  /** LangGraph's metadata.source: "input" (a run's input), "loop" (a step), "update", "fork". */
  source: string | null;
  /** It has an `__interrupt__` write: a pause that a resume continues from. */
  paused: boolean;
}

export interface PrunePlan {
  remove: string[];
  /** Kept checkpoints whose parent goes: the nearest kept ancestor becomes their parent (null: none). */
  relink: { checkpointId: string; parentCheckpointId: string | null }[];
}

/**
 * Which checkpoints of a thread whose runs have all ended can go. A run writes an `input`
 * checkpoint, then one `loop` checkpoint a step; everything it did between its input and its last
 * checkpoint is only history. Kept:
 * - every checkpoint that is not a `loop` step (a run's input, a state update, a head switch's copy);
 * - a run's last checkpoint: a tip (no children), or one another run, update or copy started from
 *   (a child that is not a `loop` step);
 * - a branch point (two or more children), a fork's origin, the thread's head (`alsoKeep`);
 * - a pause (interrupt), with its pending writes: what a resume needs.
 * `keepLatestOnly` (checkpointer.ttl's keep_latest) keeps the newest checkpoint and pauses alone.
 */
export function planPrune(nodes: CheckpointNode[], alsoKeep: ReadonlySet<string>, keepLatestOnly = false): PrunePlan {
  const byId = new Map(nodes.map((n) => [n.checkpointId, n]));
  const children = new Map<string, CheckpointNode[]>();
  for (const n of nodes) {
    if (!n.parentCheckpointId) continue;
    const list = children.get(n.parentCheckpointId) ?? [];
    list.push(n);
    children.set(n.parentCheckpointId, list);
  }
  // Checkpoint ids are time-ordered (uuid6): the greatest is the newest.
  const newest = nodes.reduce<string | null>((max, n) => (max === null || n.checkpointId > max ? n.checkpointId : max), null);
  const kept = (n: CheckpointNode): boolean => {
    if (n.checkpointId === newest || n.paused || alsoKeep.has(n.checkpointId)) return true;
    if (keepLatestOnly) return false;
    const below = children.get(n.checkpointId) ?? [];
    return n.source !== "loop" || below.length !== 1 || below.some((c) => c.source !== "loop");
  };
  const keep = new Set(nodes.filter(kept).map((n) => n.checkpointId));
  const remove = nodes.filter((n) => !keep.has(n.checkpointId)).map((n) => n.checkpointId);
  if (remove.length === 0) return { remove, relink: [] };
  const relink: PrunePlan["relink"] = [];
  for (const id of keep) {
    const parent = byId.get(id)!.parentCheckpointId;
    if (!parent || keep.has(parent) || !byId.has(parent)) continue;
    let ancestor: string | null = parent;
    while (ancestor && byId.has(ancestor) && !keep.has(ancestor)) ancestor = byId.get(ancestor)!.parentCheckpointId;
    relink.push({ checkpointId: id, parentCheckpointId: ancestor });
  }
  return { remove: remove.sort(), relink };
}
