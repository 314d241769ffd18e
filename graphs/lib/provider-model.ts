import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { RunnableConfig } from "@langchain/core/runnables";
import { modelVariantsFromEnv } from "./model-from-env.js";

export interface ProviderChatModelOptions {
  /** The provider to use instead of `configurable.provider_id`. */
  providerId?: string;
  /** The model's name instead of `configurable.model` (default: the provider's default model, or OPENAI_MODEL). */
  model?: string;
  temperature?: number;
}

/** What threadloom puts on `globalThis` (src/providers/provider-registry.ts); a graph never imports the service. */
interface ProviderRegistry {
  chatModel(providerId: string, settings: { model?: string; temperature?: number }): Promise<BaseChatModel>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A value the run was given that it cannot use: the run fails showing this message. */
class InvalidConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidConfigError";
  }
}

/**
 * The run's chat model (`import { providerChatModel } from "threadloom/providers"`): on the provider
 * its `configurable.provider_id` names (one of the run's tenant's, with its key and headers, which
 * the graph never sees), with `configurable.model` or the provider's default model. Without a
 * provider id, the environment's model (OPENAI_BASE_URL, OPENAI_MODEL...), as before providers.
 * Call it inside a node, each run: the provider is read when the model is needed.
 *
 * ```ts
 * async function agent(state: typeof MessagesAnnotation.State, config: RunnableConfig) {
 *   const model = await providerChatModel(config);
 *   return { messages: [await model.invoke(state.messages, config)] };
 * }
 * ```
 */
export async function providerChatModel(config?: RunnableConfig, options: ProviderChatModelOptions = {}): Promise<BaseChatModel> {
  const configurable = config?.configurable ?? {};
  const given = options.providerId ?? configurable.provider_id;
  const model = options.model ?? (typeof configurable.model === "string" && configurable.model !== "" ? configurable.model : undefined);
  const temperature = options.temperature ?? (typeof configurable.temperature === "number" ? configurable.temperature : undefined);
  if (given === undefined || given === null) {
    return (await modelVariantsFromEnv([])).forRun({ model, temperature }).model as BaseChatModel;
  }
  if (typeof given !== "string" || !UUID.test(given)) throw new InvalidConfigError(`configurable.provider_id must be a provider's id (a UUID), got ${JSON.stringify(given)?.slice(0, 40)}.`);
  const registry = (globalThis as { [key: symbol]: ProviderRegistry | undefined })[Symbol.for("threadloom.providers")];
  if (!registry) throw new InvalidConfigError("configurable.provider_id needs threadloom's server: providers are stored there, and this process has none.");
  return registry.chatModel(given, { model, temperature });
}
