import type { Message } from "../api/types";

/** ‹ 2 / 3 ›: the other branches that follow the same parent; choosing one makes its branch the head. */
export function SiblingNav({ message, disabled, onSwitch }: { message: Message; disabled: boolean; onSwitch(messageId: string): void }) {
  const s = message.siblings;
  if (!s || s.count < 2) return null;
  return (
    <span className="sibling-nav" role="group" aria-label="Versions">
      <button type="button" className="icon" aria-label="Previous version" disabled={disabled || s.index === 0} onClick={() => onSwitch(s.ids[s.index - 1])}>
        ‹
      </button>
      <span aria-live="polite">
        {s.index + 1} / {s.count}
      </span>
      <button type="button" className="icon" aria-label="Next version" disabled={disabled || s.index >= s.count - 1} onClick={() => onSwitch(s.ids[s.index + 1])}>
        ›
      </button>
    </span>
  );
}
