import type { ChatOpenAI } from "@langchain/openai";
import { loadConfig, usesDemoModel } from "../../src/config.js";
import { createChatModel } from "../../src/models/create-chat-model.js";
import { startDemoModel } from "../../src/models/demo-model.js";

let demo: Promise<{ baseURL: string; model: string }> | undefined;

/**
 * The model for graphs loaded by the LangGraph CLI, which knows nothing of our service: read the
 * same environment, and start the demo model once when no real one is configured.
 */
export async function createModelFromEnv(): Promise<ChatOpenAI> {
  const config = loadConfig();
  if (!usesDemoModel(config)) {
    return createChatModel({ model: config.OPENAI_MODEL, apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, maxRetries: config.OPENAI_MAX_RETRIES });
  }
  demo ??= startDemoModel({ tokenDelayMs: config.DEMO_TOKEN_DELAY_MS });
  const { baseURL, model } = await demo;
  return createChatModel({ model, baseURL, maxRetries: 0 });
}
