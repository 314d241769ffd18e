import { memo, useState } from "react";
import { CopyButton } from "./copy-button";
import { SafeMarkdown } from "./safe-markdown";
import { SiblingNav } from "./sibling-nav";
import { ToolCard, type ToolCallState, type ToolTiming } from "./tool-card";
import { UsageLine } from "./usage-line";
import type { ViewMessage } from "./view-message";

export interface MessageActions {
  /** A run is active: branching waits. */
  busy: boolean;
  edit(message: ViewMessage, content: string): void;
  regenerate(message: ViewMessage): void;
  switchTo(messageId: string): void;
  toolState(callId: string): ToolCallState;
  toolTiming(callId: string): ToolTiming | undefined;
}

function UserMessage({ message, actions }: { message: ViewMessage; actions: MessageActions }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.content);
  const canBranch = Boolean(message.mirror?.checkpoint_id);
  if (editing) {
    return (
      <form
        className="message user editing"
        aria-label="Edit message"
        onSubmit={(e) => {
          e.preventDefault();
          if (!draft.trim()) return;
          setEditing(false);
          actions.edit(message, draft);
        }}
      >
        <textarea aria-label="Edited message" value={draft} rows={Math.min(10, draft.split("\n").length + 1)} onChange={(e) => setDraft(e.target.value)} autoFocus
          onKeyDown={(e) => {
            if (e.key === "Escape") setEditing(false);
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }} />
        <div className="message-actions">
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={actions.busy || !draft.trim()}>
            Save and run
          </button>
        </div>
      </form>
    );
  }
  return (
    <article className="message user" aria-label="Your message">
      <div className="bubble">
        <SafeMarkdown text={message.content} />
      </div>
      <div className="message-actions">
        {message.mirror && <SiblingNav message={message.mirror} disabled={actions.busy} onSwitch={actions.switchTo} />}
        {canBranch && (
          <button type="button" className="quiet" aria-label="Edit message" disabled={actions.busy} onClick={() => { setDraft(message.content); setEditing(true); }}>
            Edit
          </button>
        )}
      </div>
    </article>
  );
}

function AssistantMessage({ message, results, actions, streaming }: { message: ViewMessage; results: Map<string, ViewMessage>; actions: MessageActions; streaming: boolean }) {
  const canBranch = Boolean(message.mirror?.checkpoint_id);
  return (
    <article className="message assistant" aria-label="Assistant reply" aria-busy={streaming}>
      {message.content && <SafeMarkdown text={message.content} />}
      {streaming && !message.content && message.toolCalls.length === 0 && <span className="typing" role="status" aria-label="thinking" />}
      {message.toolCalls.map((call) => (
        <ToolCard key={call.id} call={call} result={results.get(call.id)} state={actions.toolState(call.id)} timing={actions.toolTiming(call.id)} />
      ))}
      {/* Until the mirror has the reply, its footer's place is kept: the usage line does not push the page. */}
      {!message.mirror && <div className="message-foot pending" aria-hidden="true" />}
      {message.mirror && (
        <div className="message-foot">
          <UsageLine message={message.mirror} />
          <div className="message-actions">
            <SiblingNav message={message.mirror} disabled={actions.busy} onSwitch={actions.switchTo} />
            {message.content && <CopyButton label="Copy reply" className="quiet" text={() => message.content} />}
            {canBranch && (
              <button type="button" className="quiet" aria-label="Regenerate reply" disabled={actions.busy} onClick={() => actions.regenerate(message)}>
                Regenerate
              </button>
            )}
          </div>
        </div>
      )}
    </article>
  );
}

interface ItemProps {
  message: ViewMessage;
  results: Map<string, ViewMessage>;
  actions: MessageActions;
  streaming: boolean;
}

/**
 * Whether a message would be drawn the same: its view, and what its actions and tool cards show. The
 * actions object is new on every render of the conversation (its tool states read the run's state),
 * so it is compared by what it answers for this message; its handlers are stable (see ChatView).
 */
function drawnAlike(a: ItemProps, b: ItemProps): boolean {
  if (a.message !== b.message || a.streaming !== b.streaming || a.actions.busy !== b.actions.busy) return false;
  return a.message.toolCalls.every(
    ({ id }) => a.results.get(id) === b.results.get(id) && a.actions.toolState(id) === b.actions.toolState(id) && a.actions.toolTiming(id) === b.actions.toolTiming(id),
  );
}

/** One message of the conversation; a tool's result is drawn in its call's card, not on its own. */
export const MessageItem = memo(function MessageItem(props: ItemProps) {
  const { message } = props;
  if (message.role === "user") return <UserMessage message={message} actions={props.actions} />;
  if (message.role === "assistant") return <AssistantMessage {...props} />;
  if (message.role === "system") {
    return (
      <article className="message system" aria-label="System message">
        <SafeMarkdown text={message.content} />
      </article>
    );
  }
  // A tool message whose call is not on the page (imported, or a call cut by a window).
  return (
    <article className="message tool" aria-label="Tool result">
      <pre>{message.content}</pre>
    </article>
  );
}, drawnAlike);
