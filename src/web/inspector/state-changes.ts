import { create, type Delta } from "jsondiffpatch";

export type StateChange =
  | { kind: "added"; path: string; value: unknown }
  | { kind: "removed"; path: string; value: unknown }
  | { kind: "changed"; path: string; from: unknown; to: unknown }
  | { kind: "moved"; path: string; to: number };

// Messages (and anything else with an id) are matched by id, so an appended one reads as "added".
const differ = create({
  objectHash: (item: object, index?: number) => {
    const id = (item as { id?: unknown }).id;
    return typeof id === "string" || typeof id === "number" ? String(id) : `$$index:${index}`;
  },
  arrays: { detectMove: true, includeValueOnMove: false },
});

/** What changed from one state to another, as paths (`messages[3]`, `count`), by jsondiffpatch. */
export function stateChanges(before: unknown, after: unknown): StateChange[] {
  const delta = differ.diff(before, after);
  const out: StateChange[] = [];
  if (delta !== undefined) walk(delta, "", out);
  return out;
}

const join = (path: string, key: string, isArray: boolean) => (isArray ? `${path}[${key}]` : path ? `${path}.${key}` : key);

function walk(delta: Delta, path: string, out: StateChange[]): void {
  if (Array.isArray(delta)) {
    leaf(delta, path, out);
    return;
  }
  if (!delta || typeof delta !== "object") return;
  const record = delta as Record<string, Delta>;
  const isArray = (record._t as unknown) === "a";
  for (const [key, child] of Object.entries(record)) {
    if (key === "_t") continue;
    if (isArray && key.startsWith("_")) {
      // A removal or a move, at the old index.
      const from = key.slice(1);
      const op = child as unknown[];
      if (op[2] === 3) out.push({ kind: "moved", path: join(path, from, true), to: Number(op[1]) });
      else out.push({ kind: "removed", path: join(path, from, true), value: op[0] });
      continue;
    }
    walk(child, join(path, key, isArray), out);
  }
}

function leaf(op: unknown[], path: string, out: StateChange[]): void {
  if (op.length === 1) out.push({ kind: "added", path: path || "(state)", value: op[0] });
  else if (op.length === 2) out.push({ kind: "changed", path: path || "(state)", from: op[0], to: op[1] });
  else if (op[2] === 0) out.push({ kind: "removed", path: path || "(state)", value: op[0] });
}
