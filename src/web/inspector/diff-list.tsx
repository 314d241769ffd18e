import { useMemo } from "react";
import { firstLine } from "./state-view";
import type { StateMessage } from "./use-checkpoint-state";
import { stateChanges, type StateChange } from "./state-changes";

/** The changes from the parent checkpoint's state, as a list of paths; every value shown as text. */
export function DiffList({ before, after }: { before: unknown; after: unknown }) {
  const changes = useMemo(() => stateChanges(before, after), [before, after]);
  if (changes.length === 0) return <p className="muted">No change from the parent checkpoint.</p>;
  return (
    <ul className="diff-list" aria-label="Changes from the parent checkpoint">
      {changes.map((c, i) => (
        <li key={i} className={`diff-${c.kind}`}>
          <span className="diff-sign" aria-hidden="true">{SIGN[c.kind]}</span> <code>{c.path}</code> {describe(c)}
        </li>
      ))}
    </ul>
  );
}

const SIGN = { added: "+", removed: "−", changed: "~", moved: "↕" } as const;

function describe(c: StateChange): string {
  switch (c.kind) {
    case "added":
      return `added: ${brief(c.value)}`;
    case "removed":
      return `removed: ${brief(c.value)}`;
    case "changed":
      return `changed: ${brief(c.from)} → ${brief(c.to)}`;
    case "moved":
      return `moved to ${c.to}`;
  }
}

function brief(value: unknown, max = 100): string {
  if (value && typeof value === "object" && "content" in value) {
    const m = value as StateMessage;
    return `${m.role ?? m.type ?? "message"}: ${firstLine(m, max)}`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
