import type { SseEvent } from "./sse-client.js";

/** A `POST /api/chat` stream read step by step, so a test can act while the run is still going. */
export interface LiveChat {
  status: number;
  threadId: string;
  /** Every event read so far, in order. */
  events: SseEvent[];
  /** Reads on until an event matches; fails if the stream ends first. */
  readUntil(match: (e: SseEvent) => boolean): Promise<SseEvent>;
  /** Reads to the end of the stream; returns every event. */
  readToEnd(): Promise<SseEvent[]>;
  /** Goes away like a closed browser tab: aborts the fetch. */
  disconnect(): void;
}

export async function openChat(url: string, body: Record<string, unknown>): Promise<LiveChat> {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/chat`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: controller.signal,
  });
  if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
    throw new Error(`expected an event stream, got ${response.status}: ${await response.text()}`);
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = "";
  let done = false;

  // Returns the next event, or null at the end of the stream.
  const next = async (): Promise<SseEvent | null> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const raw = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseFrame(raw);
        if (event) return (events.push(event), event);
        continue;
      }
      if (done) return null;
      const chunk = await reader.read();
      if (chunk.done) done = true;
      else buffer += chunk.value;
    }
  };

  return {
    status: response.status,
    threadId: response.headers.get("x-thread-id")!,
    events,
    async readUntil(match) {
      for (let e = await next(); e; e = await next()) if (match(e)) return e;
      throw new Error(`the stream ended without the awaited event; got ${events.map((e) => e.event).join(", ")}`);
    },
    async readToEnd() {
      while (await next());
      return events;
    },
    disconnect: () => controller.abort(),
  };
}

function parseFrame(frame: string): SseEvent | null {
  let event = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  return data.length ? { event, id, data: JSON.parse(data.join("\n")), raw: frame } : null;
}

/** `count` distinct words ("w1 w2 …"), so a prefix of the reply says how far the stream got. */
export function words(count: number): string {
  return Array.from({ length: count }, (_, i) => `w${i + 1}`).join(" ");
}
