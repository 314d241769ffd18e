import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { BaseCheckpointSaver, LangGraphRunnableConfig } from "@langchain/langgraph";
import { Annotation, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { modelVariantsFromEnv } from "./lib/model-from-env.js";
import { streamReply } from "./lib/stream-reply.js";

export interface DraftDocument {
  title: string;
  content: string;
  version: number;
}

export const DRAFT_SYSTEM_PROMPT =
  "You are a drafting assistant. Write the document the user asks for in Markdown, starting with a '# Title' line.";

const DraftState = Annotation.Root({
  ...MessagesAnnotation.spec,
  document: Annotation<DraftDocument | null>({ reducer: (_, next) => next, default: () => null }),
});

/**
 * A drafting agent: it writes (or revises) a document from the conversation and emits it as a
 * `doc` write to the custom stream, which clients receive as the native protocol's `doc` event.
 */
export function buildDraftGraph(options: { model?: BaseChatModel; checkpointer?: BaseCheckpointSaver } = {}) {
  async function draft(state: typeof DraftState.State, config: LangGraphRunnableConfig) {
    const model = options.model ?? (await modelVariantsFromEnv([])).defaultVariant.model;
    const previous = state.document;
    const context = previous ? [new HumanMessage(`The current draft is:\n\n${previous.content}`)] : [];
    const reply = await streamReply(model, [new SystemMessage(DRAFT_SYSTEM_PROMPT), ...context, ...state.messages], config);
    const content = typeof reply.content === "string" ? reply.content : reply.text;
    const document: DraftDocument = { title: titleOf(content), content, version: (previous?.version ?? 0) + 1 };
    config.writer?.({ type: "doc", ...document });
    return { messages: [reply], document };
  }

  return new StateGraph(DraftState).addNode("draft", draft).addEdge(START, "draft").addEdge("draft", END).compile({ checkpointer: options.checkpointer });
}

function titleOf(markdown: string): string {
  const heading = /^#\s+(.+)$/m.exec(markdown);
  return (heading?.[1] ?? markdown.split("\n")[0] ?? "Untitled").trim().slice(0, 120) || "Untitled";
}

/** For `langgraph.json` (threadloom and the LangGraph CLI alike): its model from the environment. */
export const graph = buildDraftGraph();
