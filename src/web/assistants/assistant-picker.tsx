import { useOpenThread } from "../threads/use-open-thread";
import { useApp } from "../shell/app-context";
import { choiceLabel, useAssistants, type AssistantChoice } from "./use-assistants";
import "./assistants.css";

/**
 * The assistant a new chat starts with: the manifest's graphs and the stored assistants. An open
 * thread keeps the assistant it was made with, so there the picker shows it, read-only; "New
 * chat" brings the choice back.
 */
export function AssistantPicker() {
  const { assistantId, setAssistantId, threadId } = useApp();
  const { choices } = useAssistants();
  const thread = useOpenThread();
  const shown = threadId ? (thread?.assistant_id ?? "") : assistantId;
  const known = choices.some((c) => c.id === shown);
  const graphs = choices.filter((c) => !c.stored);
  const stored = choices.filter((c) => c.stored);
  const option = (c: AssistantChoice) => (
    <option key={c.id} value={c.id}>
      {choiceLabel(c)}
    </option>
  );
  return (
    <label className="assistant-picker" title={threadId ? "This thread's assistant. Start a new chat to choose another." : "The assistant new chats start with"}>
      <span className="assistant-picker-label" aria-hidden="true">
        {threadId ? "Thread's assistant" : "Assistant"}
      </span>
      <select aria-label={threadId ? "Thread's assistant" : "Assistant"} value={shown} disabled={threadId !== null} onChange={(e) => setAssistantId(e.target.value)}>
        {!known && <option value={shown}>{shown || "…"}</option>}
        {graphs.length > 0 && <optgroup label="Graphs">{graphs.map(option)}</optgroup>}
        {stored.length > 0 && <optgroup label="Stored assistants">{stored.map(option)}</optgroup>}
      </select>
    </label>
  );
}
