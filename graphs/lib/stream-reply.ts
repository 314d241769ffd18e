import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import { AIMessage, type AIMessageChunk } from "@langchain/core/messages";
import type { Runnable, RunnableConfig } from "@langchain/core/runnables";

/** What the mirror reads from an assistant message's `response_metadata`. */
export interface ReplyTiming {
  latency_ms: number;
  ttft_ms: number | null;
}

/**
 * Streams one model reply and returns it as a whole message carrying its own timing, so the
 * checkpoint holds everything the conversation mirror needs and the mirror can be rebuilt from it.
 * Streaming (rather than invoke) is also what makes `streamEvents` see each token.
 */
export async function streamReply(
  model: Runnable<BaseLanguageModelInput, AIMessageChunk>,
  input: BaseLanguageModelInput,
  config?: RunnableConfig,
): Promise<AIMessage> {
  const started = performance.now();
  let firstToken: number | null = null;
  let reply: AIMessageChunk | undefined;
  for await (const chunk of await model.stream(input, config)) {
    if (firstToken === null && (chunk.content || chunk.tool_call_chunks?.length)) firstToken = performance.now();
    reply = reply ? reply.concat(chunk) : chunk;
  }
  if (!reply) throw new Error("the model returned an empty stream");
  const timing: ReplyTiming = {
    latency_ms: Math.round(performance.now() - started),
    ttft_ms: firstToken === null ? null : Math.round(firstToken - started),
  };
  return new AIMessage({
    id: reply.id,
    content: reply.content,
    tool_calls: reply.tool_calls,
    invalid_tool_calls: reply.invalid_tool_calls,
    usage_metadata: reply.usage_metadata,
    additional_kwargs: reply.additional_kwargs,
    response_metadata: { ...reply.response_metadata, timing },
  });
}
