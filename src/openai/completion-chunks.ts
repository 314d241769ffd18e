import type { RunEvent, Usage } from "../streaming/run-event.js";
import type { OpenAiErrorBody } from "./openai-error.js";
import { type PausedRun, pausedRun } from "./pending-approval.js";

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChunkDelta {
  role?: "assistant";
  content?: string;
  refusal?: null;
  tool_calls?: { index: number; id: string; type: "function"; function: { name: string; arguments: string } }[];
}

/** One `chat.completion.chunk`, field for field as OpenAI streams it; `threadloom` is ours (a paused run). */
export interface CompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: { index: 0; delta: ChunkDelta; logprobs: null; finish_reason: "stop" | null }[];
  usage?: CompletionUsage | null;
  threadloom?: PausedRun;
}

export interface ChunkOptions {
  /** `chatcmpl-…`, the same in every chunk of the completion. */
  id: string;
  /** The request's `model`, echoed. */
  model: string;
  /** Unix seconds, the same in every chunk. */
  created: number;
  /** `stream_options.include_usage`: every chunk has `usage: null`, and a last chunk with no choices has the run's. */
  includeUsage: boolean;
  /** Each tool the graph runs as a `tool_calls` delta, besides the text. */
  showToolCalls: boolean;
}

/**
 * The run's events as OpenAI chat completion chunks (pure: no I/O). The role comes first, then the
 * text of every assistant message of the run (two messages' texts apart by a blank line), the
 * graph's tool calls only when asked for, a pause as a short text, then the finish and the usage.
 * Tool calls never make the finish `tool_calls`: the graph ran them, there is nothing for the client
 * to run. An `error` event becomes OpenAI's in-stream error, which its SDK throws.
 */
export class CompletionChunks {
  private readonly streamed = new Set<string>();
  private lastTextId: string | null = null;
  private toolCalls = 0;
  private readonly interrupts: { id: string; value: unknown }[] = [];

  constructor(private readonly options: ChunkOptions) {}

  encode(event: RunEvent): CompletionChunk[] | OpenAiErrorBody {
    switch (event.type) {
      case "start":
        return [this.chunk({ role: "assistant", content: "", refusal: null })];
      case "token":
        this.streamed.add(event.message_id);
        return this.text(event.message_id, event.content);
      case "message":
        // A graph whose model does not stream still says what it answered, all at once.
        return event.role === "assistant" && !this.streamed.has(event.id) ? this.text(event.id, event.content) : [];
      case "tool_start":
        if (!this.options.showToolCalls) return [];
        return [this.chunk({ tool_calls: [{ index: this.toolCalls++, id: event.id, type: "function", function: { name: event.name, arguments: JSON.stringify(event.input ?? {}) } }] })];
      case "interrupt":
        this.interrupts.push({ id: event.id, value: event.value });
        return [];
      case "error":
        return { error: { message: event.message, type: event.code === "internal" ? "server_error" : "run_error", param: null, code: event.code } };
      case "end":
        return this.end(event.thread_id, event.status, event.usage);
      case "tool_end":
      case "doc":
      case "update":
        return [];
      default: {
        const never: never = event;
        return never;
      }
    }
  }

  private text(messageId: string, content: string): CompletionChunk[] {
    if (content === "") return [];
    const apart = this.lastTextId !== null && this.lastTextId !== messageId ? "\n\n" : "";
    this.lastTextId = messageId;
    return [this.chunk({ content: apart + content })];
  }

  private end(threadId: string, status: string, usage: Usage): CompletionChunk[] {
    const chunks: CompletionChunk[] = [];
    const paused = status === "interrupted" && this.interrupts.length > 0 ? pausedRun(threadId, this.interrupts) : null;
    if (paused) chunks.push(...this.text("threadloom:paused", paused.text));
    chunks.push({ ...this.chunk({}, "stop"), ...(paused && { threadloom: paused.run }) });
    if (this.options.includeUsage) {
      chunks.push({ ...this.base(), choices: [], usage: { prompt_tokens: usage.input_tokens, completion_tokens: usage.output_tokens, total_tokens: usage.total_tokens } });
    }
    return chunks;
  }

  private chunk(delta: ChunkDelta, finish: "stop" | null = null): CompletionChunk {
    return { ...this.base(), choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(this.options.includeUsage && { usage: null }) };
  }

  private base(): Pick<CompletionChunk, "id" | "object" | "created" | "model"> {
    return { id: this.options.id, object: "chat.completion.chunk", created: this.options.created, model: this.options.model };
  }
}
