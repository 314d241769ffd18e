import { ChatOpenAI } from "@langchain/openai";

/**
 * The model the service names in the environment, built when a run needs it: tests start several
 * services (each with its own mock model) in one process, so nothing may read it at import time.
 */
export function envModel(): ChatOpenAI {
  return new ChatOpenAI({
    model: process.env.OPENAI_MODEL,
    apiKey: process.env.OPENAI_API_KEY ?? "x",
    configuration: { baseURL: process.env.OPENAI_BASE_URL },
    maxRetries: 0,
  });
}
