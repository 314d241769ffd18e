import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AIMessageChunk } from "@langchain/core/messages";
import type { Runnable } from "@langchain/core/runnables";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { ToolNode } from "@langchain/langgraph/prebuilt";

/** The model settings a run may change. */
export interface ModelSettings {
  model?: string;
  temperature?: number;
}

/** Builds the graph's model with other settings (same server, key and retries). */
export type ModelFactory = (settings: ModelSettings) => BaseChatModel;

/** What one run calls: the model with its tools bound, and a tool node that runs only those tools. */
export interface ModelVariant {
  model: Runnable<BaseLanguageModelInput, AIMessageChunk>;
  toolNode: ToolNode;
}

export interface ModelVariantsOptions {
  model: BaseChatModel;
  tools: StructuredToolInterface[];
  modelWith?: ModelFactory;
  /** Variants kept for reuse; the least recently used goes first. */
  maxCached?: number;
}

/**
 * The model a run's `configurable` asks for: `model`, `temperature`, and `tools` (names of the tools
 * it may call; the model is shown only those, and a call to another is answered as an unknown tool).
 * ChatOpenAI 1.6.0 reads model and temperature from the instance, never from call options, so other
 * values need another instance, which `modelWith` builds. Variants are cached by settings, so each
 * assistant's runs reuse one client, and a run without settings uses the default built up front.
 */
export class ModelVariants {
  readonly defaultVariant: ModelVariant;
  private readonly cache = new Map<string, ModelVariant>();

  constructor(private readonly options: ModelVariantsOptions) {
    this.defaultVariant = this.build(options.model, options.tools);
  }

  forRun(configurable: Record<string, unknown> | undefined): ModelVariant {
    const model = typeof configurable?.model === "string" ? configurable.model : undefined;
    const temperature = typeof configurable?.temperature === "number" ? configurable.temperature : undefined;
    const raw = configurable?.tools;
    const tools = Array.isArray(raw) ? raw.filter((name): name is string => typeof name === "string") : undefined;
    if (model === undefined && temperature === undefined && tools === undefined) return this.defaultVariant;
    const key = JSON.stringify([model ?? null, temperature ?? null, tools ? [...tools].sort() : null]);
    let variant = this.cache.get(key);
    if (variant) {
      this.cache.delete(key);
    } else {
      const enabled = tools ? this.options.tools.filter((t) => tools.includes(t.name)) : this.options.tools;
      variant = this.build(this.modelFor({ model, temperature }), enabled);
      if (this.cache.size >= (this.options.maxCached ?? 64)) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(key, variant);
    return variant;
  }

  private modelFor(settings: ModelSettings): BaseChatModel {
    if (settings.model === undefined && settings.temperature === undefined) return this.options.model;
    if (!this.options.modelWith) throw new Error("this graph was built without modelWith, so a run cannot change its model or temperature");
    return this.options.modelWith(settings);
  }

  private build(model: BaseChatModel, tools: StructuredToolInterface[]): ModelVariant {
    if (tools.length === 0) return { model, toolNode: new ToolNode([]) };
    if (!model.bindTools) throw new Error("the chat graph needs a model that supports tool calling");
    return { model: model.bindTools(tools), toolNode: new ToolNode(tools) };
  }
}
