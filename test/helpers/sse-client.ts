import { createParser } from "eventsource-parser";

/** One parsed SSE event as a client sees it; `data` is parsed JSON when it is JSON. */
export interface SseEvent {
  event: string;
  id: string | undefined;
  data: any;
}

export interface SseResponse {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Comment lines (heartbeats), in order. */
  comments: string[];
  /** The raw bytes of the stream, decoded. */
  body: string;
}

/** Reads an SSE response event by event, with the same parser as the `eventsource` client. */
export class SseReader {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  body = "";
  private readonly queue: SseEvent[] = [];
  private readonly reader: ReadableStreamDefaultReader<string>;
  private readonly parser = createParser({
    onEvent: (m) => this.queue.push({ event: m.event ?? "message", id: m.id, data: parseJson(m.data) }),
    onComment: (c) => this.comments.push(c.trim()),
  });

  constructor(response: Response) {
    this.reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next event, or null at the end of the stream. */
  async next(): Promise<SseEvent | null> {
    while (this.queue.length === 0) {
      const chunk = await this.reader.read();
      if (chunk.done) return null;
      this.body += chunk.value;
      this.parser.feed(chunk.value);
    }
    const event = this.queue.shift()!;
    this.events.push(event);
    return event;
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}

/** Reads a whole SSE response over real HTTP, or up to the first event that matches `until`. */
export async function readSse(response: Response, options: { until?: (e: SseEvent) => boolean } = {}): Promise<SseResponse> {
  const reader = new SseReader(response);
  for (let e = await reader.next(); e; e = await reader.next()) {
    if (options.until?.(e)) {
      await reader.cancel();
      break;
    }
  }
  return { status: response.status, headers: response.headers, events: reader.events, comments: reader.comments, body: reader.body };
}

/** POST /api/chat and read the whole stream (or the problem document that answered instead). */
export async function chat(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<SseResponse> {
  const response = await fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
    return { status: response.status, headers: response.headers, events: [], comments: [], body: await response.text() };
  }
  return readSse(response);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
