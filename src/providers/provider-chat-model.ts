import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import type { AIMessageChunk } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { ChatOpenAI, type ChatOpenAICallOptions, type ChatOpenAIFields } from "@langchain/openai";

/** Where a reply says which provider answered; the conversation mirror reads it (message-row). */
export const PROVIDER_ID_KEY = "provider_id";

/**
 * ChatOpenAI talking to one stored provider, whose replies name it in `response_metadata.provider_id`
 * so the checkpoint, and the mirror rebuilt from it, know which provider answered each message.
 * Only the id is kept here: the key and headers live in the fetch the client was given (see
 * provider-models), never in a field that `toJSON`, tracing or the model's `fields` would carry.
 *
 * ChatOpenAI's `withConfig` (which `bindTools` uses) builds a plain ChatOpenAI from `fields`; this one
 * builds its own kind, or a model bound to tools would stop naming the provider.
 */
export class ProviderChatOpenAI extends ChatOpenAI {
  constructor(fields: ChatOpenAIFields, readonly providerId: string) {
    super(fields);
  }

  override async invoke(input: BaseLanguageModelInput, options?: ChatOpenAICallOptions & RunnableConfig): Promise<AIMessageChunk> {
    const reply = await super.invoke(input, options);
    reply.response_metadata = { ...reply.response_metadata, [PROVIDER_ID_KEY]: this.providerId };
    return reply;
  }

  // Only the first chunk says it: chunks' metadata is merged, and strings merged are concatenated.
  override async *_streamIterator(input: BaseLanguageModelInput, options?: ChatOpenAICallOptions & RunnableConfig): AsyncGenerator<AIMessageChunk> {
    let first = true;
    for await (const chunk of super._streamIterator(input, options)) {
      if (first) chunk.response_metadata = { ...chunk.response_metadata, [PROVIDER_ID_KEY]: this.providerId };
      first = false;
      yield chunk;
    }
  }

  override withConfig(config: Partial<ChatOpenAICallOptions>): ProviderChatOpenAI {
    const model = new ProviderChatOpenAI(this.fields as ChatOpenAIFields, this.providerId);
    model.defaultOptions = { ...this.defaultOptions, ...config };
    return model;
  }
}
