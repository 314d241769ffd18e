import type { RunEvent, RunStatus } from "../run-event.js";
import type { UiFinishReason, UiMessageChunk } from "./ui-message-chunk.js";

export interface UiMessageStreamOptions {
  /**
   * The reply a run continues when it starts with a tool's outcome (a resume after an approval):
   * its `start` names that message, so the client keeps adding to it rather than starting another.
   */
  continuesReply?: string;
}

/**
 * Turns one run's `RunEvent`s into the Vercel AI SDK's UI message stream: the run's reply is one UI
 * message, each model call one step (`start-step` … `finish-step`) holding its text, its tool calls
 * and their outcomes. `start` waits for the reply's first part so it can carry the mirror's id of the
 * reply (the model's message id), which regenerate later names.
 */
export class UiMessageStreamEncoder {
  private started = false;
  private stepOpen = false;
  /** The step's model call has ended (its message came): the next model output is another step. */
  private stepDone = false;
  private openText: string | null = null;
  /** The run paused for approvals: it finishes as a step that made tool calls, as `streamText` does. */
  private paused = false;
  /** Text already sent per message id, so a message that streamed no tokens is still shown. */
  private readonly streamed = new Map<string, number>();
  /** Calls whose tool ran to an outcome here: a tool message without one answers a rejected call. */
  private readonly ended = new Set<string>();

  constructor(private readonly options: UiMessageStreamOptions = {}) {}

  encode(event: RunEvent): UiMessageChunk[] {
    switch (event.type) {
      case "start":
        return [];
      case "token":
        return [...this.modelOutput(event.message_id), ...this.text(event.message_id, event.content)];
      case "tool_start":
        // The call was shown with its arguments when the model made it.
        return [];
      case "tool_end": {
        this.ended.add(event.id);
        const outcome: UiMessageChunk =
          event.error === undefined ? { type: "tool-output-available", toolCallId: event.id, output: event.output ?? null } : { type: "tool-output-error", toolCallId: event.id, errorText: event.error };
        return [...this.begin(this.options.continuesReply), outcome];
      }
      case "message":
        return this.message(event);
      case "doc": {
        const { type: _, ...doc } = event;
        return [...this.begin(), { type: "data-doc", data: doc }];
      }
      case "update":
        return [...this.begin(), { type: "data-update", data: { node: event.node, values: event.values } }];
      case "interrupt":
        return [...this.begin(), ...this.interrupt(event.id, event.value)];
      case "error":
        return [...this.begin(), ...this.closeText(), { type: "error", errorText: event.message }];
      case "end":
        return [
          ...this.begin(),
          ...this.closeText(),
          ...this.closeStep(),
          { type: "finish", finishReason: finishReason(event.status, this.paused), messageMetadata: { thread_id: event.thread_id, run_id: event.run_id, checkpoint_id: event.checkpoint_id, status: event.status, usage: event.usage } },
        ];
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  }

  private message(event: Extract<RunEvent, { type: "message" }>): UiMessageChunk[] {
    if (event.role === "tool" && event.tool_call_id && !this.ended.has(event.tool_call_id)) {
      this.ended.add(event.tool_call_id);
      return [...this.begin(this.options.continuesReply), { type: "tool-output-denied", toolCallId: event.tool_call_id }];
    }
    if (event.role !== "assistant") return [];
    const chunks = this.modelOutput(event.id);
    const sent = this.streamed.get(event.id) ?? 0;
    if (event.content.length > sent) chunks.push(...this.text(event.id, event.content.slice(sent)));
    chunks.push(...this.closeText());
    for (const call of event.tool_calls ?? []) {
      chunks.push({ type: "tool-input-start", toolCallId: call.id, toolName: call.name }, { type: "tool-input-available", toolCallId: call.id, toolName: call.name, input: call.args });
    }
    this.stepDone = true;
    return chunks;
  }

  private interrupt(id: string, value: unknown): UiMessageChunk[] {
    const requests = (value as { action_requests?: unknown; actionRequests?: unknown } | null)?.action_requests ?? (value as { actionRequests?: unknown } | null)?.actionRequests;
    const callIds = Array.isArray(requests) ? requests.map((r: { tool_call_id?: unknown; toolCallId?: unknown } | null) => r?.tool_call_id ?? r?.toolCallId) : [];
    // A pause in the human-in-the-loop format is the AI SDK's own approval; any other is data.
    if (callIds.length === 0 || !callIds.every((c): c is string => typeof c === "string")) return [{ type: "data-interrupt", id, data: { id, value } }];
    this.paused = true;
    return callIds.map((toolCallId) => ({ type: "tool-approval-request" as const, approvalId: `${id}:${toolCallId}`, toolCallId }));
  }

  /** The reply's `start` (once), naming `messageId` when known. */
  private begin(messageId?: string): UiMessageChunk[] {
    if (this.started) return [];
    this.started = true;
    return [messageId === undefined ? { type: "start" } : { type: "start", messageId }];
  }

  /** Output of a model call: in the current step until that call's message came, then in a new one. */
  private modelOutput(messageId: string): UiMessageChunk[] {
    const chunks = this.begin(messageId);
    if (this.stepOpen && !this.stepDone) return chunks;
    chunks.push(...this.closeStep(), { type: "start-step" });
    this.stepOpen = true;
    this.stepDone = false;
    return chunks;
  }

  private text(messageId: string, delta: string): UiMessageChunk[] {
    const chunks: UiMessageChunk[] = [];
    if (this.openText !== messageId) {
      chunks.push(...this.closeText(), { type: "text-start", id: messageId });
      this.openText = messageId;
    }
    this.streamed.set(messageId, (this.streamed.get(messageId) ?? 0) + delta.length);
    chunks.push({ type: "text-delta", id: messageId, delta });
    return chunks;
  }

  private closeText(): UiMessageChunk[] {
    if (this.openText === null) return [];
    const id = this.openText;
    this.openText = null;
    return [{ type: "text-end", id }];
  }

  private closeStep(): UiMessageChunk[] {
    if (!this.stepOpen) return [];
    this.stepOpen = false;
    return [{ type: "finish-step" }];
  }
}

function finishReason(status: RunStatus, paused: boolean): UiFinishReason {
  if (status === "success") return "stop";
  if (status === "interrupted") return paused ? "tool-calls" : "other";
  return "error";
}
