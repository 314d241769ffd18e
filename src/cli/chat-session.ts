import { setTimeout as sleep } from "node:timers/promises";
import { askResume } from "./ask-resume.js";
import type { LineInput } from "./line-input.js";
import { RunPrinter, type RunOutcome } from "./run-printer.js";
import { runCommand } from "./slash-commands.js";
import type { TerminalOutput } from "./terminal-output.js";
import { ClientError, type ChatBody, type ChatStream, type ThreadloomClient } from "./threadloom-client.js";

export interface ThreadJson {
  thread_id: string;
  title: string | null;
  status: "idle" | "busy" | "interrupted" | "error";
  message_count: number;
  graph_id: string;
  updated_at: string;
  messages?: { role: string; content: string; name?: string; tool_calls?: { name: string }[] }[];
}

/** One person chatting: the prompt loop, each turn streamed, approvals asked, slash commands. */
export class ChatSession {
  threadId: string | null;
  private readonly assistantId: string | undefined;

  constructor(
    readonly client: ThreadloomClient,
    readonly input: LineInput,
    readonly out: TerminalOutput,
    options: { threadId?: string; assistantId?: string } = {},
  ) {
    this.threadId = options.threadId ?? null;
    this.assistantId = options.assistantId;
  }

  async run(): Promise<void> {
    const out = this.out;
    out.line(out.paint("dim", `threadloom · ${this.client.baseUrl} · ${this.assistantId ? `assistant ${this.assistantId} · ` : ""}/help for commands, Ctrl-C stops a reply, Ctrl-D quits`));
    if (this.threadId) await this.guard(() => this.open(this.threadId!, { allowNew: true }));
    for (;;) {
      const line = await this.input.ask(out.paint("cyan", "> "), { quiet: true });
      if (line === null) break;
      const text = line.trim();
      if (text === "") continue;
      if (text.startsWith("/")) {
        if ((await this.guard(() => runCommand(text, this))) === "quit") break;
        continue;
      }
      await this.guard(() => this.turn({ message: text, thread_id: this.threadId ?? undefined, assistant_id: this.assistantId }));
    }
    out.endLine();
    this.input.close();
  }

  /** Makes `threadId` the current thread and shows where it stands; a paused one asks its decision. */
  async open(threadId: string, { allowNew = false } = {}): Promise<void> {
    const out = this.out;
    let thread: ThreadJson;
    try {
      thread = await this.client.json<ThreadJson>(`/api/threads/${encodeURIComponent(threadId)}`);
    } catch (error) {
      if (!(allowNew && error instanceof ClientError && error.message.startsWith("404"))) throw error;
      this.threadId = threadId;
      return out.line(out.paint("dim", `New thread ${threadId}: it starts with your first message.`));
    }
    this.threadId = thread.thread_id;
    out.line(out.paint("dim", `Thread ${thread.thread_id}: ${thread.title ?? "(untitled)"} · ${thread.message_count} messages · ${thread.status}`));
    for (const m of (thread.messages ?? []).slice(-10)) out.line(transcriptLine(m, out));
    if (thread.status === "busy") await this.followRun();
    if (thread.status === "interrupted") await this.resumePaused();
  }

  /** Shows the run another client started on this thread as it goes (from its start); Ctrl-C stops showing it, not the run. */
  async followRun(): Promise<void> {
    this.out.line(this.out.paint("dim", "A run is in progress on this thread (Ctrl-C stops following it, not the run):"));
    const outcome = await this.stream((signal) => this.client.follow(this.threadId!, signal), { owned: false });
    if (outcome?.status === "interrupted" && outcome.interrupt !== undefined) await this.resumePaused();
  }

  /** Asks again for the decision a paused thread waits for (read from its state), and resumes it. */
  async resumePaused(): Promise<void> {
    const state = await this.client.json<{ interrupts: { value: unknown }[] }>(`/api/threads/${encodeURIComponent(this.threadId!)}/state`);
    if (state.interrupts.length === 0) return;
    const resume = await askResume(state.interrupts[0].value, this.input, this.out);
    if (resume !== null) await this.turn({ thread_id: this.threadId!, resume });
  }

  /** A turn and the resumes it leads to, until it ends or a decision is left for later. */
  async turn(body: ChatBody): Promise<void> {
    for (let next: ChatBody | null = body; next; ) {
      const sent = next;
      const outcome = await this.stream((signal) => this.client.chat(sent, signal), { owned: true });
      next = null;
      if (outcome?.status !== "interrupted" || outcome.interrupt === undefined) return;
      const resume = await askResume(outcome.interrupt, this.input, this.out);
      if (resume === null) return this.out.line(`The thread waits for your decision: /switch ${this.threadId} to give it.`);
      next = { thread_id: this.threadId!, resume };
    }
  }

  /**
   * Draws a run's stream until it ends or Ctrl-C drops it. Dropping the stream of our own turn
   * (`owned`, sent with on_disconnect cancel) stops the run; another client's run goes on.
   */
  private async stream(open: (signal: AbortSignal) => Promise<ChatStream | null>, { owned }: { owned: boolean }): Promise<RunOutcome | null> {
    const controller = new AbortController();
    const printer = new RunPrinter(this.out);
    try {
      await this.input.whileRunning(
        () => controller.abort(),
        async () => {
          const stream = await open(controller.signal);
          if (!stream) return;
          this.threadId = stream.threadId ?? this.threadId;
          for await (const event of stream.events) printer.handle(event);
        },
      );
      return printer.outcome;
    } catch (error) {
      this.out.stopSpinner();
      if (!controller.signal.aborted) throw error;
      this.out.line(this.out.paint("dim", owned ? "■ stopped" : "■ no longer following (the run goes on)"));
      if (owned) await this.untilNotBusy();
      return null;
    }
  }

  // The server cancels the run when the stream is dropped; the next message waits for that to land.
  private async untilNotBusy(): Promise<void> {
    if (!this.threadId) return;
    for (let i = 0; i < 100; i++) {
      const thread = await this.client.json<ThreadJson>(`/api/threads/${encodeURIComponent(this.threadId)}?messages=false`).catch(() => null);
      if (thread?.status !== "busy") return;
      await sleep(100);
    }
  }

  /** Runs a step; a problem from the service (or a stream cut short) is one line, and the prompt comes back. */
  private async guard<T>(step: () => Promise<T>): Promise<T | undefined> {
    try {
      return await step();
    } catch (error) {
      this.out.stopSpinner();
      const message = error instanceof ClientError ? error.message : `The connection broke off: ${(error as Error).message}`;
      this.out.line(`${this.out.paint("red", "✗")} ${message}`);
      return undefined;
    }
  }
}

export function transcriptLine(m: NonNullable<ThreadJson["messages"]>[number], out: TerminalOutput): string {
  if (m.role === "user") return `${out.paint("cyan", ">")} ${m.content}`;
  if (m.role === "tool") return out.paint("dim", `  ${m.name ?? "tool"}: ${oneLine(m.content, 100)}`);
  const calls = m.tool_calls?.length ? out.paint("dim", ` [calls ${m.tool_calls.map((c) => c.name).join(", ")}]`) : "";
  return `${m.content}${calls}`;
}

export const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
