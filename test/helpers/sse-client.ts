/** One parsed SSE event as a client sees it, with the raw frame kept for byte-level assertions. */
export interface SseEvent {
  event: string;
  id: string | undefined;
  data: any;
  raw: string;
}

export interface SseResponse {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Comment lines (heartbeats), in order. */
  comments: string[];
  body: string;
}

/** Reads a whole SSE response over real HTTP (fetch), parsing frames as the spec says. */
export async function readSse(response: Response, options: { until?: (e: SseEvent) => boolean } = {}): Promise<SseResponse> {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let body = "";
  let buffer = "";
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    body += value;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const parsed = parseFrame(frame);
      if (parsed === null) comments.push(...frame.split("\n").map((l) => l.slice(1).trim()));
      else {
        events.push(parsed);
        if (options.until?.(parsed)) {
          await reader.cancel();
          return { status: response.status, headers: response.headers, events, comments, body };
        }
      }
    }
  }
  return { status: response.status, headers: response.headers, events, comments, body };
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
  if (data.length === 0) return null;
  const text = data.join("\n");
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { event, id, data: parsed, raw: frame };
}

/** POST /api/chat and read the whole stream. */
export async function chat(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<SseResponse> {
  const response = await fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
    return { status: response.status, headers: response.headers, events: [], comments: [], body: await response.text() };
  }
  return readSse(response);
}
