import type { ChunkDelta, CompletionChunk, CompletionUsage } from "./completion-chunks.js";
import type { PausedRun } from "./pending-approval.js";

type ToolCall = NonNullable<ChunkDelta["tool_calls"]>[number];

/** A `chat.completion`, field for field as OpenAI answers a request without `stream`. */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: 0;
    message: { role: "assistant"; content: string; refusal: null; annotations: []; tool_calls?: Omit<ToolCall, "index">[] };
    logprobs: null;
    finish_reason: "stop";
  }[];
  usage: CompletionUsage;
  threadloom?: PausedRun;
}

/**
 * The completion the chunks of a whole run add up to, so an answer is the same whether it was
 * streamed or not. The chunks must end with the finish and the usage (`includeUsage`).
 */
export function chatCompletion(chunks: CompletionChunk[]): ChatCompletion {
  const first = chunks[0]!;
  let content = "";
  const toolCalls: Omit<ToolCall, "index">[] = [];
  let usage: CompletionUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  let paused: PausedRun | undefined;
  for (const chunk of chunks) {
    const delta = chunk.choices[0]?.delta;
    content += delta?.content ?? "";
    for (const { index: _, ...call } of delta?.tool_calls ?? []) toolCalls.push(call);
    if (chunk.usage) usage = chunk.usage;
    paused ??= chunk.threadloom;
  }
  const message = { role: "assistant" as const, content, refusal: null, annotations: [] as [], ...(toolCalls.length > 0 && { tool_calls: toolCalls }) };
  return {
    id: first.id, object: "chat.completion", created: first.created, model: first.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: "stop" }],
    usage,
    ...(paused && { threadloom: paused }),
  };
}
