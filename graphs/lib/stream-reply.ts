import type { NewTokenIndices } from "@langchain/core/callbacks/base";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import { AIMessage, type AIMessageChunk } from "@langchain/core/messages";
import type { ChatGenerationChunk, GenerationChunk, LLMResult } from "@langchain/core/outputs";
import { mergeConfigs, type Runnable, type RunnableConfig } from "@langchain/core/runnables";

/** What the mirror reads from an assistant message's `response_metadata`. */
export interface ReplyTiming {
  latency_ms: number;
  ttft_ms: number | null;
}

/**
 * Times one model call to its first token. Preferring streaming makes `invoke` stream (so tokens
 * reach the graph's stream) without the web-stream wrapper that `model.stream()` adds per chunk.
 */
class ReplyTimer extends BaseCallbackHandler {
  name = "threadloom-reply-timer";
  lc_prefer_streaming = true;
  awaitHandlers = true;
  readonly started = performance.now();
  firstToken: number | null = null;
  /** The generation's info (model name, finish reason), which `invoke`'s streaming path leaves off the message. */
  info: Record<string, unknown> = {};

  handleLLMNewToken(token: string, _idx: NewTokenIndices, _runId: string, _parent?: string, _tags?: string[], fields?: { chunk?: ChatGenerationChunk | GenerationChunk }): void {
    if (this.firstToken !== null) return;
    const message = (fields?.chunk as ChatGenerationChunk | undefined)?.message as AIMessageChunk | undefined;
    if (token || message?.tool_call_chunks?.length) this.firstToken = performance.now();
  }

  handleLLMEnd(output: LLMResult): void {
    this.info = output.generations[0]?.[0]?.generationInfo ?? {};
  }

  timing(): ReplyTiming {
    const now = performance.now();
    return { latency_ms: Math.round(now - this.started), ttft_ms: this.firstToken === null ? null : Math.round(this.firstToken - this.started) };
  }
}

/**
 * Streams one model reply and returns it as a whole message carrying its own timing, so the
 * checkpoint holds everything the conversation mirror needs and the mirror can be rebuilt from it.
 */
export async function streamReply(
  model: Runnable<BaseLanguageModelInput, AIMessageChunk>,
  input: BaseLanguageModelInput,
  config?: RunnableConfig,
): Promise<AIMessage> {
  const timer = new ReplyTimer();
  const reply = await model.invoke(input, mergeConfigs(config ?? {}, { callbacks: [timer] }));
  return new AIMessage({
    id: reply.id,
    content: reply.content,
    tool_calls: reply.tool_calls,
    invalid_tool_calls: reply.invalid_tool_calls,
    usage_metadata: reply.usage_metadata,
    additional_kwargs: reply.additional_kwargs,
    response_metadata: { ...timer.info, ...reply.response_metadata, timing: timer.timing() },
  });
}
