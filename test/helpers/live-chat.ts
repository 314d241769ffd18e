import { SseReader, type SseEvent } from "./sse-client.js";

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
  const reader = new SseReader(response);
  const { events } = reader;

  return {
    status: response.status,
    threadId: response.headers.get("x-thread-id")!,
    events,
    async readUntil(match) {
      for (let e = await reader.next(); e; e = await reader.next()) if (match(e)) return e;
      throw new Error(`the stream ended without the awaited event; got ${events.map((e) => e.event).join(", ")}`);
    },
    async readToEnd() {
      while (await reader.next());
      return events;
    },
    disconnect: () => controller.abort(),
  };
}

/** `count` distinct words ("w1 w2 …"), so a prefix of the reply says how far the stream got. */
export function words(count: number): string {
  return Array.from({ length: count }, (_, i) => `w${i + 1}`).join(" ");
}
