import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "@langchain/langgraph-sdk";

/** One background run an Agent Server client asked for. */
export interface AgentRun {
  client: number;
  threadId: string;
  /** Unique across the load, so its copies in the thread can be counted. */
  message: string;
  /** Set once `runs.create` answered: the run was acknowledged (its input is in its `runs` row). */
  runId?: string;
  /** The HTTP status a refused create got (0: the service was gone). */
  refused?: number;
  /** The run's status once it ended, as `runs.get` gave it. */
  status?: string;
}

export interface AgentLoadOptions {
  clients: number;
  prefix: string;
  /** The services to send to, those alive now: client i uses the (i mod n)-th. */
  urls: () => string[];
}

const clientFor = (apiUrl: string) => new Client({ apiUrl, callerOptions: { maxRetries: 0 } });

/**
 * Official LangGraph SDK clients, each on a thread of its own, creating one background run after
 * another and joining it; when its service is gone or refuses, a client goes on with one alive.
 */
export class AgentLoad {
  readonly runs: AgentRun[] = [];
  private stopping = false;
  private readonly clients: Promise<void>[];

  constructor(private readonly options: AgentLoadOptions) {
    this.clients = Array.from({ length: options.clients }, (_, client) => this.run(client));
  }

  /** Runs that ended `success`. */
  succeeded(): number {
    return this.runs.filter((r) => r.status === "success").length;
  }

  /** Lets each client see its current run end, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.clients);
  }

  private url(client: number): string {
    const urls = this.options.urls();
    return urls[client % urls.length]!;
  }

  private async run(client: number): Promise<void> {
    let threadId: string | undefined;
    while (!threadId && !this.stopping) {
      threadId = await clientFor(this.url(client)).threads.create().then((t) => t.thread_id, () => undefined);
      if (!threadId) await sleep(200);
    }
    for (let n = 1; threadId && !this.stopping; n++) {
      const run: AgentRun = { client, threadId, message: `${this.options.prefix}-${client} run ${n}` };
      this.runs.push(run);
      try {
        const created = await clientFor(this.url(client)).runs.create(threadId, "chat", {
          input: { messages: [{ role: "user", content: run.message }] }, streamMode: ["values", "messages-tuple"],
        });
        run.runId = created.run_id;
      } catch (err) {
        run.refused = (err as { status?: number }).status ?? 0;
        await sleep(200);
        continue;
      }
      run.status = await this.ended(client, threadId, run.runId);
    }
  }

  /** Joins the run until it has ended, on whichever service is alive; its final status ("unended" after 60 s). */
  private async ended(client: number, threadId: string, runId: string): Promise<string> {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      try {
        const sdk = clientFor(this.url(client));
        await sdk.runs.join(threadId, runId);
        const { status } = await sdk.runs.get(threadId, runId);
        if (status !== "pending" && status !== "running") return status;
      } catch {
        // Its service died, or the database is away: ask again.
      }
      await sleep(200);
    }
    return "unended";
  }
}
