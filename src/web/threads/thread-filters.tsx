import type { ThreadStatus } from "../api/types";
import { choiceLabel, useAssistants } from "../assistants/use-assistants";

const STATUSES: ThreadStatus[] = ["idle", "busy", "interrupted", "error"];

/** The list's status and assistant filters ("" is any). */
export function ThreadFilters(props: { status: string; assistantId: string; onStatus(status: string): void; onAssistant(id: string): void }) {
  const { choices } = useAssistants();
  return (
    <div className="thread-filters">
      <select aria-label="Status filter" value={props.status} onChange={(e) => props.onStatus(e.target.value)}>
        <option value="">Any status</option>
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <select aria-label="Assistant filter" value={props.assistantId} onChange={(e) => props.onAssistant(e.target.value)}>
        <option value="">Any assistant</option>
        {choices.map((c) => (
          <option key={c.id} value={c.id}>
            {choiceLabel(c)}
          </option>
        ))}
      </select>
    </div>
  );
}
