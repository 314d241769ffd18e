import type { RunEvent } from "../streaming/run-event.js";
import type { TerminalOutput } from "./terminal-output.js";

/** What a run left to the client once its stream ended. */
export interface RunOutcome {
  threadId: string | null;
  /** The pause's value when the run stopped for a human decision. */
  interrupt: unknown;
  status: "success" | "error" | "interrupted" | "timeout" | null;
}

/**
 * Draws one run's events: the reply's tokens as they come, a spinner while a tool runs and
 * `✓ calculator (12 ms)` (or `✗`) when it ends, errors as one line.
 */
export class RunPrinter {
  readonly outcome: RunOutcome = { threadId: null, interrupt: undefined, status: null };
  private readonly streamed = new Set<string>();
  private readonly runningTools = new Map<string, string>();

  constructor(private readonly out: TerminalOutput) {}

  handle(event: RunEvent): void {
    const out = this.out;
    switch (event.type) {
      case "start":
        this.outcome.threadId = event.thread_id;
        return;
      case "token":
        this.streamed.add(event.message_id);
        return out.write(event.content);
      case "tool_start":
        this.runningTools.set(event.id, event.name);
        return out.startSpinner(`${[...this.runningTools.values()].join(", ")}…`);
      case "tool_end": {
        this.runningTools.delete(event.id);
        out.stopSpinner();
        const mark = event.error === undefined ? out.paint("green", "✓") : out.paint("red", "✗");
        out.line(`${mark} ${event.name} ${out.paint("dim", `(${event.duration_ms} ms)`)}${event.error === undefined ? "" : `: ${event.error}`}`);
        if (this.runningTools.size > 0) out.startSpinner(`${[...this.runningTools.values()].join(", ")}…`);
        return;
      }
      case "message":
        // A reply the model did not stream (a model without streaming, a graph's own message) is printed whole.
        if (event.role === "assistant" && event.content && !this.streamed.has(event.id)) out.line(event.content);
        return;
      case "doc":
        return out.line(out.paint("dim", `[doc] ${String(event.title ?? "")}${event.version === undefined ? "" : ` (version ${String(event.version)})`}`));
      case "update":
        return out.line(out.paint("dim", `[${event.node}] ${JSON.stringify(event.values)}`));
      case "interrupt":
        this.outcome.interrupt = event.value;
        return;
      case "error":
        out.stopSpinner();
        return out.line(`${out.paint("red", "✗")} ${event.message} ${out.paint("dim", `(${event.code})`)}`);
      case "end":
        out.stopSpinner();
        out.endLine();
        this.outcome.threadId = event.thread_id;
        this.outcome.status = event.status;
        return;
      default: {
        const unexpected: never = event;
        return void unexpected;
      }
    }
  }
}
