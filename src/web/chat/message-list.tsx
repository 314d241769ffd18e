import { useEffect, useLayoutEffect, useMemo, useRef, type ReactNode } from "react";
import { MessageItem, type MessageActions } from "./message-item";
import type { ViewMessage } from "./view-message";

/**
 * The conversation, kept scrolled to the bottom while the reader is there (streaming grows the last
 * reply; scrolling up to read stops the following until they come back down).
 */
export function MessageList({ messages, actions, streamingId, children }: { messages: ViewMessage[]; actions: MessageActions; streamingId: string | null; children?: ReactNode }) {
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  const results = useMemo(() => {
    const map = new Map<string, ViewMessage>();
    for (const m of messages) if (m.role === "tool" && m.toolCallId) map.set(m.toolCallId, m);
    return map;
  }, [messages]);
  const called = useMemo(() => new Set(messages.flatMap((m) => m.toolCalls.map((c) => c.id))), [messages]);

  const stick = () => {
    const el = scroller.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  };
  useLayoutEffect(stick);
  useEffect(() => {
    const el = content.current;
    if (!el) return;
    const observer = new ResizeObserver(stick);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  return (
    <div
      className="messages"
      ref={scroller}
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
      }}
    >
      <div className="messages-inner" ref={content} role="log" aria-label="Conversation" aria-live="off">
        {messages.map((m) =>
          m.role === "tool" && m.toolCallId && called.has(m.toolCallId) ? null : (
            <MessageItem key={m.id} message={m} results={results} actions={actions} streaming={m.id === streamingId} />
          ),
        )}
        {children}
      </div>
    </div>
  );
}
