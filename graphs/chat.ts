import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { randomUUID } from "node:crypto";
import { AIMessage, SystemMessage, type ToolCall, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { BaseCheckpointSaver, LangGraphRunnableConfig } from "@langchain/langgraph";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { approvalGate, type GatedTools } from "./lib/approval-gate.js";
import { ChatContext, type ChatSettings, chatSettings } from "./lib/chat-settings.js";
import { modelVariantsFromEnv } from "./lib/model-from-env.js";
import { type ModelFactory, type ModelVariant, ModelVariants } from "./lib/model-variants.js";
import { providerChatModel } from "./lib/provider-model.js";
import { selectWindow } from "./lib/select-window.js";
import { streamReply } from "./lib/stream-reply.js";
import { gatedTools } from "./lib/tool-approval.js";
import { createCalculatorTool } from "./tools/calculator.js";
import { createCurrentTimeTool } from "./tools/current-time.js";
import { createSendEmailTool } from "./tools/send-email.js";

export interface ChatGraphOptions {
  /** The model; without one, each run's comes from the environment (see model-from-env). */
  model?: BaseChatModel;
  checkpointer?: BaseCheckpointSaver;
  /** Default: SYSTEM_PROMPT from the environment, then DEFAULT_SYSTEM_PROMPT. */
  systemPrompt?: string;
  /** Default: WINDOW_ROUNDS from the environment, then 20. How many rounds (a user message and what follows it) the model is sent. */
  windowRounds?: number;
  tools?: StructuredToolInterface[];
  /** Builds the model with another model name or temperature, for runs whose `configurable` asks for one. */
  modelWith?: ModelFactory;
}

export const DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Use the tools when they help.";

/** The chat graph's tools; `send_email` needs a human's approval per call, and records into the store. */
export function defaultChatTools(): StructuredToolInterface[] {
  return [createCalculatorTool(), createCurrentTimeTool(), createSendEmailTool()];
}

function windowRoundsFromEnv(): number | undefined {
  const rounds = Number.parseInt(process.env.WINDOW_ROUNDS ?? "", 10);
  return Number.isInteger(rounds) && rounds > 0 ? rounds : undefined;
}

/**
 * The default agent: the model node and a tool node in a loop until the model stops calling
 * tools. State keeps every message; the model sees the system prompt and a sliding window.
 * A run's `system_prompt` and `window_rounds` override the defaults, and `model`, `temperature` and
 * `tools` (the names of the tools it may call) the model's, each from `context` or `configurable`;
 * `configurable.provider_id` puts the run on one of its tenant's model providers (see provider-model);
 * a value it cannot use fails the run with an InvalidConfigError naming it (see chat-settings).
 * Calls of tools marked as needing approval pause the graph for a human's decisions, once per model
 * step, in the standard human-in-the-loop format agent-chat-ui draws (see approval-gate and hitl).
 */
export function buildChatGraph(options: ChatGraphOptions = {}) {
  const tools = options.tools ?? defaultChatTools();
  if (options.model && !options.model.bindTools) throw new Error("the chat graph needs a model that supports tool calling");
  const fixed = options.model && new ModelVariants({ model: options.model, tools, modelWith: options.modelWith });
  const variants = async () => fixed ?? (await modelVariantsFromEnv(tools));
  const gated = gatedTools(tools);
  // A tool the run has not enabled is answered as unknown by the tool node: nobody is asked about it.
  const gatedFor = (config: RunnableConfig): GatedTools => {
    const enabled = chatSettings(config).tools;
    return enabled ? new Map([...gated].filter(([name]) => enabled.includes(name))) : gated;
  };

  async function agent(state: typeof MessagesAnnotation.State, config: RunnableConfig) {
    const settings = chatSettings(config);
    const prompt = settings.system_prompt ?? options.systemPrompt ?? (process.env.SYSTEM_PROMPT || DEFAULT_SYSTEM_PROMPT);
    const rounds = settings.window_rounds ?? options.windowRounds ?? windowRoundsFromEnv() ?? 20;
    const { model } = await modelFor(settings, config);
    const reply = await streamReply(model, [new SystemMessage(prompt), ...selectWindow(state.messages, rounds)], config);
    return { messages: [reply] };
  }

  // A provider's model is made for each call (its settings are read then); tools are bound to it here.
  async function modelFor(settings: ChatSettings, config: RunnableConfig): Promise<Pick<ModelVariant, "model">> {
    if (!settings.provider_id) return (await variants()).forRun({ ...settings });
    const model = await providerChatModel(config, { providerId: settings.provider_id, model: settings.model, temperature: settings.temperature });
    const enabled = settings.tools ? tools.filter((t) => settings.tools!.includes(t.name)) : tools;
    if (enabled.length === 0) return { model };
    if (!model.bindTools) throw new Error("the chat graph needs a model that supports tool calling");
    return { model: model.bindTools(enabled) };
  }

  function next(state: typeof MessagesAnnotation.State): "tools" | typeof END {
    const last = state.messages.at(-1);
    return last && "tool_calls" in last && Array.isArray(last.tool_calls) && last.tool_calls.length > 0 ? "tools" : END;
  }

  // Tool results get their ids here rather than in the reducer, so clients see them as they stream.
  // The gate passes the calls to run (a rejected one left out, an edited one with its new arguments).
  async function runTools(calls: ToolCall[], state: typeof MessagesAnnotation.State, config: RunnableConfig) {
    const settings = chatSettings(config);
    // A provider's run takes only its tool node from here: its model is the provider's.
    const { toolNode } = (await variants()).forRun(settings.provider_id ? { tools: settings.tools } : { ...settings });
    // Clients hear of a tool when it starts, not when the model asked for it (it may wait for approval).
    for (const call of calls) (config as LangGraphRunnableConfig).writer?.({ type: "tool_start", id: call.id, name: call.name, input: call.args });
    const last = state.messages.at(-1)!;
    const asked = new AIMessage({ id: last.id, content: last.content, tool_calls: calls });
    const { messages } = (await toolNode.invoke({ ...state, messages: [...state.messages.slice(0, -1), asked] }, config)) as { messages: ToolMessage[] };
    return messages.map((m) =>
      m.id
        ? m
        : new ToolMessage({
            id: randomUUID(), content: m.content, tool_call_id: m.tool_call_id, name: m.name, status: m.status,
            artifact: m.artifact, additional_kwargs: m.additional_kwargs, response_metadata: m.response_metadata,
          }),
    );
  }

  // The context annotation describes the settings (the schemas' config and context); chatSettings reads them.
  return new StateGraph(MessagesAnnotation, ChatContext)
    .addNode("agent", agent)
    .addNode("tools", approvalGate(gatedFor, runTools))
    .addEdge(START, "agent")
    .addConditionalEdges("agent", next, ["tools", END])
    .addEdge("tools", "agent")
    .compile({ checkpointer: options.checkpointer });
}

/** For `langgraph.json` (threadloom and the LangGraph CLI alike): its model from the environment. */
export const graph = buildChatGraph();
