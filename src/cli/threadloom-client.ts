import type { RunEvent } from "../streaming/run-event.js";
import { readSse } from "./read-sse.js";

/** A problem the service answered (RFC 9457), or a service that could not be reached, as one line. */
export class ClientError extends Error {
  override name = "ClientError";
}

export interface ChatBody {
  message?: string;
  thread_id?: string;
  assistant_id?: string;
  resume?: unknown;
}

/** A run's stream: its ids from the response headers (known before any event), then its events. */
export interface ChatStream {
  threadId: string | null;
  runId: string | null;
  events: AsyncGenerator<RunEvent>;
}

/** threadloom's HTTP API as the terminal client uses it: native chat over SSE, and the REST routes. */
export class ThreadloomClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await this.request(path, init)).json() as Promise<T>;
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.apiKey) headers.set("authorization", `Bearer ${this.apiKey}`);
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), { ...init, headers });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      const code = ((error as Error).cause as { code?: string } | undefined)?.code;
      throw new ClientError(`Cannot reach threadloom at ${this.baseUrl}${code ? ` (${code})` : ""}: is it running? Start it with npm start, or pass --url.`);
    }
    if (!res.ok) throw new ClientError(await problemLine(res));
    return res;
  }

  /**
   * Sends a turn (or a resume) and streams its run. The run is cancelled on the server when the
   * client goes away (`signal` aborted): Ctrl-C stops the run, not just the display.
   */
  async chat(body: ChatBody, signal: AbortSignal): Promise<ChatStream> {
    const res = await this.request("/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ ...body, on_disconnect: "cancel" }),
      signal,
    });
    return chatStream(res);
  }

  /** The run in progress on a thread, from its first event (null when none is): following it never stops it. */
  async follow(threadId: string, signal: AbortSignal): Promise<ChatStream | null> {
    const res = await this.request(`/api/threads/${encodeURIComponent(threadId)}/stream`, { headers: { accept: "text/event-stream" }, signal });
    return res.status === 204 ? null : chatStream(res);
  }
}

const chatStream = (res: Response): ChatStream => ({ threadId: res.headers.get("x-thread-id"), runId: res.headers.get("x-run-id"), events: runEvents(res.body!) });

async function* runEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<RunEvent> {
  for await (const message of readSse(body)) yield JSON.parse(message.data) as RunEvent;
}

/** `409 Conflict: The thread already has a run… (running_run_id: …)`; the invalid fields of a 400 follow it. */
export async function problemLine(res: Response): Promise<string> {
  const text = await res.text();
  let problem: { title?: string; detail?: string; invalid_params?: { name: string; reason: string }[] } = {};
  try {
    problem = JSON.parse(text);
  } catch {
    return `${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200).replace(/\s+/g, " ")}` : ""}`;
  }
  const fields = (problem.invalid_params ?? []).map((p) => `${p.name}: ${p.reason}`).join("; ");
  return `${res.status} ${problem.title ?? res.statusText}: ${problem.detail ?? ""}${fields && !problem.detail?.includes(fields) ? ` (${fields})` : ""}`.replace(/\s+/g, " ").trim();
}
