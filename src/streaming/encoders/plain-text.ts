import type { RunEvent } from "../run-event.js";

/** Turns a run's events into the text written so far; one per stream, since it remembers what it wrote. */
export type PlainTextEncoder = (event: RunEvent) => string;

/**
 * The reply as plain text, for the simplest scripts: the assistant's words as they stream, a blank
 * line between two of its messages (before and after a tool call, say), and nothing of tool calls,
 * your own message or `doc`/`update` events. A run that does not simply succeed ends with one line
 * that says why, in brackets: `[interrupted] {"id":…,"value":…}` for a pause (the interrupt as JSON,
 * on one line), `[error] <code>: <message>`, or `[stopped] <status>` (a cancelled run). The text
 * ends with a newline.
 */
export function plainTextEncoder(): PlainTextEncoder {
  // Messages whose tokens were written: their `message` event repeats them.
  const streamed = new Set<string>();
  let current: string | null = null;
  let tail = "";
  let explained = false;

  const write = (text: string) => {
    if (text) tail = (tail + text).slice(-2);
    return text;
  };
  // What puts `text` in a block of its own: a blank line after whatever came before.
  const block = (text: string) => write((tail === "" ? "" : tail === "\n\n" ? "" : tail.endsWith("\n") ? "\n" : "\n\n") + text);
  // A line of its own, right after the text.
  const line = (text: string) => write((tail === "" || tail.endsWith("\n") ? "" : "\n") + text + "\n");

  return (event) => {
    switch (event.type) {
      case "token": {
        if (!event.content) return "";
        streamed.add(event.message_id);
        const first = current !== event.message_id;
        current = event.message_id;
        return first ? block(event.content) : write(event.content);
      }
      case "message":
        if (event.role !== "assistant" || !event.content || streamed.has(event.id)) return "";
        current = event.id;
        return block(event.content);
      case "interrupt":
        explained = true;
        return line(`[interrupted] ${JSON.stringify({ id: event.id, value: event.value })}`);
      case "error":
        explained = true;
        return line(`[error] ${event.code}: ${event.message.replace(/[\r\n]+/g, " ")}`);
      case "end":
        if (event.status !== "success" && !explained) return line(`[stopped] ${event.status}`);
        return tail === "" || tail.endsWith("\n") ? "" : write("\n");
      case "start":
      case "tool_start":
      case "tool_end":
      case "doc":
      case "update":
        return "";
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  };
}
