import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { randomUUID } from "node:crypto";
import { SystemMessage, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { createModelFromEnv } from "./lib/model-from-env.js";
import { selectWindow } from "./lib/select-window.js";
import { streamReply } from "./lib/stream-reply.js";
import { createCalculatorTool } from "./tools/calculator.js";
import { createCurrentTimeTool } from "./tools/current-time.js";

export interface ChatGraphOptions {
  model: BaseChatModel;
  checkpointer?: BaseCheckpointSaver;
  systemPrompt?: string;
  /** How many rounds (a user message and what follows it) the model is sent. */
  windowRounds?: number;
  tools?: StructuredToolInterface[];
}

export const DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Use the tools when they help.";

export function defaultChatTools(): StructuredToolInterface[] {
  return [createCalculatorTool(), createCurrentTimeTool()];
}

/**
 * The default agent: the model node and a tool node in a loop until the model stops calling
 * tools. State keeps every message; the model sees the system prompt and a sliding window.
 * `configurable.system_prompt` and `configurable.window_rounds` override the defaults per run.
 */
export function buildChatGraph(options: ChatGraphOptions) {
  const tools = options.tools ?? defaultChatTools();
  if (!options.model.bindTools) throw new Error("the chat graph needs a model that supports tool calling");
  const model = tools.length > 0 ? options.model.bindTools(tools) : options.model;

  async function agent(state: typeof MessagesAnnotation.State, config: RunnableConfig) {
    const prompt = (config.configurable?.system_prompt as string | undefined) ?? options.systemPrompt ?? DEFAULT_SYSTEM_PROMPT;
    const rounds = (config.configurable?.window_rounds as number | undefined) ?? options.windowRounds ?? 20;
    const reply = await streamReply(model, [new SystemMessage(prompt), ...selectWindow(state.messages, rounds)], config);
    return { messages: [reply] };
  }

  function next(state: typeof MessagesAnnotation.State): "tools" | typeof END {
    const last = state.messages.at(-1);
    return last && "tool_calls" in last && Array.isArray(last.tool_calls) && last.tool_calls.length > 0 ? "tools" : END;
  }

  const toolNode = new ToolNode(tools);
  // Tool results get their ids here rather than in the reducer, so clients see them as they stream.
  async function runTools(state: typeof MessagesAnnotation.State, config: RunnableConfig) {
    const { messages } = (await toolNode.invoke(state, config)) as { messages: ToolMessage[] };
    return {
      messages: messages.map((m) =>
        m.id
          ? m
          : new ToolMessage({
              id: randomUUID(), content: m.content, tool_call_id: m.tool_call_id, name: m.name, status: m.status,
              artifact: m.artifact, additional_kwargs: m.additional_kwargs, response_metadata: m.response_metadata,
            }),
      ),
    };
  }

  return new StateGraph(MessagesAnnotation)
    .addNode("agent", agent)
    .addNode("tools", runTools)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", next, ["tools", END])
    .addEdge("tools", "agent")
    .compile({ checkpointer: options.checkpointer });
}

/** For `langgraph.json` (the LangGraph CLI): built on first use, from the environment. */
export const graph = async () => buildChatGraph({ model: await createModelFromEnv() });
