import { ChatOpenAI } from "@langchain/openai";

export interface ChatModelOptions {
  model: string;
  apiKey?: string;
  baseURL?: string;
  maxRetries?: number;
  temperature?: number;
}

/**
 * Every mode talks to an OpenAI-compatible server through ChatOpenAI: OpenAI itself, Ollama, vLLM,
 * llama.cpp, or the offline demo model. `streaming: true` is deliberately not set: its invoke path
 * fetches token-count data from the internet and never returns offline. The graphs stream instead,
 * and `streamUsage` makes token usage arrive on the last chunk.
 */
export function createChatModel(options: ChatModelOptions): ChatOpenAI {
  return new ChatOpenAI({
    model: options.model,
    // Local servers (Ollama, vLLM, llama.cpp) accept any key, but the client insists on one.
    apiKey: options.apiKey ?? "not-needed",
    configuration: options.baseURL ? { baseURL: options.baseURL } : undefined,
    streamUsage: true,
    maxRetries: options.maxRetries ?? 2,
    temperature: options.temperature,
  });
}
