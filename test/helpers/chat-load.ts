import { setTimeout as sleep } from "node:timers/promises";
import { SseReader, type SseEvent } from "./sse-client.js";

/** What one client saw of one `POST /api/chat`. */
export interface ChatTurn {
  client: number;
  /** Unique across the load, so its copies in a thread can be counted. */
  message: string;
  /** The HTTP status, or 0 when nothing answered (the process was gone). */
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  /** The `start` event: the turn was acknowledged (its message committed). */
  start?: { run_id: string };
  /** The stream's last event; undefined if it broke (its process died) or it was refused. */
  last?: SseEvent;
  broken?: boolean;
}

export interface ChatLoadOptions {
  clients: number;
  /** Thread names (client thread ids) are `<prefix>-<client>`; messages start with it too. */
  prefix: string;
  /** The services to send to, those alive now: client i uses the (i mod n)-th. */
  urls: () => string[];
}

/**
 * Clients sending turn after turn, each on a thread of its own, over real HTTP and SSE. A refusal
 * (409, 503) or a service that is gone is tried again shortly, on whichever service is alive then.
 */
export class ChatLoad {
  readonly turns: ChatTurn[] = [];
  private stopping = false;
  private readonly clients: Promise<void>[];

  constructor(private readonly options: ChatLoadOptions) {
    this.clients = Array.from({ length: options.clients }, (_, client) => this.run(client));
  }

  /** Turns answered with `end`, by one client or all. */
  answered(client?: number): number {
    return this.turns.filter((x) => (client === undefined || x.client === client) && x.last?.event === "end").length;
  }

  /** Resolves once every client has had another answer since the call. */
  async everyClientAnswered(timeoutMs = 30_000): Promise<void> {
    const since = Array.from({ length: this.options.clients }, (_, c) => this.answered(c));
    const deadline = Date.now() + timeoutMs;
    while (!since.every((n, c) => this.answered(c) > n)) {
      if (Date.now() > deadline) throw new Error(`not every client was answered within ${timeoutMs} ms: ${since.map((n, c) => this.answered(c) - n).join(",")}`);
      await sleep(50);
    }
  }

  /** Lets each client finish the turn it is in, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.clients);
  }

  private async run(client: number): Promise<void> {
    for (let n = 1; !this.stopping; n++) {
      const urls = this.options.urls();
      const done = await this.turn(urls[client % urls.length]!, client, `${this.options.prefix}-${client} turn ${n}`);
      this.turns.push(done);
      if (!done.last) await sleep(150);
    }
  }

  private async turn(url: string, client: number, message: string): Promise<ChatTurn> {
    const done: ChatTurn = { client, message, status: 0, contentType: null, retryAfter: null };
    let res: Response;
    try {
      res = await fetch(`${url}/api/chat`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message, thread_id: `${this.options.prefix}-${client}` }),
      });
    } catch {
      return done;
    }
    Object.assign(done, { status: res.status, contentType: res.headers.get("content-type"), retryAfter: res.headers.get("retry-after") });
    if (res.status !== 200) {
      await res.text().catch(() => undefined);
      return done;
    }
    const reader = new SseReader(res);
    try {
      while (await reader.next());
    } catch {
      // The connection broke: its process died.
    }
    const last = reader.events.at(-1);
    if (last?.event === "end" || last?.event === "error") done.last = last;
    else done.broken = true;
    done.start = reader.events.find((e) => e.event === "start")?.data;
    return done;
  }
}
