import type { StructuredToolInterface } from "@langchain/core/tools";
import { createChatModel } from "./create-chat-model.js";
import { startDemoModel } from "./demo-model.js";
import { ModelVariants } from "./model-variants.js";

let demo: Promise<{ baseURL: string; model: string }> | undefined;
const variants = new Map<string, ModelVariants>();

/** The model settings the environment gives, read when a run calls the model (not at import). */
function modelEnv(env: NodeJS.ProcessEnv) {
  const retries = Number.parseInt(env.OPENAI_MAX_RETRIES ?? "", 10);
  return {
    apiKey: env.OPENAI_API_KEY || undefined,
    baseURL: env.OPENAI_BASE_URL || undefined,
    model: env.OPENAI_MODEL || "gpt-4o-mini",
    maxRetries: Number.isInteger(retries) && retries >= 0 ? retries : 2,
  };
}

/**
 * The model a graph's run calls, with `tools` bound, from the environment: OPENAI_API_KEY,
 * OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_MAX_RETRIES — what threadloom sets from its configuration
 * (its demo model's address when none is configured), and what `langgraphjs dev` passes from the
 * manifest's `env`. With neither a key nor an address (the CLI, offline), the demo model is started
 * once in this process. One client per distinct setting, reused across runs.
 */
export async function modelVariantsFromEnv(tools: StructuredToolInterface[], env: NodeJS.ProcessEnv = process.env): Promise<ModelVariants> {
  let settings = modelEnv(env);
  if (!settings.apiKey && !settings.baseURL) {
    demo ??= startDemoModel({ tokenDelayMs: Number(env.DEMO_TOKEN_DELAY_MS ?? 20) || 0 });
    const { baseURL, model } = await demo;
    settings = { ...settings, baseURL, model, maxRetries: 0 };
  }
  const key = JSON.stringify([settings, tools.map((t) => t.name)]);
  let found = variants.get(key);
  if (!found) {
    found = new ModelVariants({ model: createChatModel(settings), tools, modelWith: (s) => createChatModel({ ...settings, ...s, model: s.model ?? settings.model }) });
    variants.set(key, found);
  }
  return found;
}
