import type { AssistantConfig, JsonObject } from "../assistants/assistant-config.js";
import type { Assistant, AssistantVersion } from "../assistants/assistant-repository.js";
import type { GraphDefaults } from "../manifest/graph-defaults.js";
import { graphAssistantId } from "./graph-assistant-id.js";

/** An assistant as the Agent Server API shows it (the SDK's `Assistant`); its runs get its config and context. */
export interface AgentAssistant {
  json: {
    assistant_id: string;
    graph_id: string;
    config: AssistantConfig;
    context: JsonObject;
    metadata: JsonObject;
    version: number;
    name: string;
    description: string | null;
    created_at: string;
    updated_at: string;
  };
  /** One of the tenant's stored assistants; else a graph's own, built in. */
  stored: boolean;
}

/**
 * A graph as an assistant, as the Agent Server registers each graph: its id is a UUID5 of the graph
 * id, its name the graph id, marked `created_by: system`, with the graph's defaults from
 * LANGGRAPH_CONFIG. It exists as long as the process does.
 */
export function graphAssistant(graphId: string, since: Date, defaults: GraphDefaults): AgentAssistant {
  return {
    json: {
      assistant_id: graphAssistantId(graphId), graph_id: graphId, config: defaults.config, context: defaults.context, metadata: { created_by: "system" },
      version: 1, name: graphId, description: null, created_at: since.toISOString(), updated_at: since.toISOString(),
    },
    stored: false,
  };
}

export function storedAssistant(a: Assistant): AgentAssistant {
  return {
    json: {
      assistant_id: a.assistantId, graph_id: a.graphId, config: a.config, context: a.context, metadata: a.metadata,
      version: a.version, name: a.name, description: a.description, created_at: a.createdAt.toISOString(), updated_at: a.updatedAt.toISOString(),
    },
    stored: true,
  };
}

/** One stored version as the SDK's `AssistantVersion`: what the assistant was at that version. */
export function storedVersion(v: AssistantVersion) {
  return {
    assistant_id: v.assistantId, graph_id: v.graphId, config: v.config, context: v.context, metadata: v.metadata,
    version: v.version, name: v.name, description: v.description, created_at: v.createdAt.toISOString(),
  };
}

/** The Agent Server's metadata filter: every key given has an equal value (JSON equality). */
export function metadataMatches(metadata: Record<string, unknown>, filter: Record<string, unknown> | undefined): boolean {
  return Object.entries(filter ?? {}).every(([key, value]) => JSON.stringify(metadata[key]) === JSON.stringify(value));
}
