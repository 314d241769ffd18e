/** One server-sent event: its name and its data lines joined. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Reads an SSE body event by event. Enough of the format for threadloom's own streams: `event:` and
 * `data:` fields, comments (heartbeats) skipped, lines ending in CRLF, LF or CR. No dependency, so
 * the terminal client needs nothing that `npm ci --omit=dev` leaves out.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = lineEnd(buffer); end; end = lineEnd(buffer)) {
        const line = buffer.slice(0, end.at);
        buffer = buffer.slice(end.at + end.length);
        if (line === "") {
          if (data.length > 0) yield { event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
    }
  } finally {
    // A reader that stops early (the run was stopped) lets the connection go.
    await reader.cancel().catch(() => {});
  }
}

// A CR at the very end may be the first half of a CRLF still on its way.
function lineEnd(buffer: string): { at: number; length: number } | null {
  const at = buffer.search(/\r\n|\r|\n/);
  if (at === -1) return null;
  if (buffer[at] === "\r" && buffer[at + 1] === "\n") return { at, length: 2 };
  if (buffer[at] === "\r" && at === buffer.length - 1) return null;
  return { at, length: 1 };
}
