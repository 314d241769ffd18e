import type { Assistant, AssistantVersion } from "../assistants/assistant-repository.js";
import { graphAssistantId } from "./graph-assistant-id.js";

/** An assistant as the Agent Server API shows it (the SDK's `Assistant`), with what runs it here. */
export interface AgentAssistant {
  json: {
    assistant_id: string;
    graph_id: string;
    config: { configurable?: Record<string, unknown> };
    context: Record<string, unknown>;
    metadata: Record<string, unknown>;
    version: number;
    name: string;
    description: string | null;
    created_at: string;
    updated_at: string;
  };
  /** A stored assistant's settings, passed to its graph as `configurable`; none for a graph's defaults. */
  configurable?: Record<string, unknown>;
}

/**
 * A graph as an assistant, as the Agent Server registers each graph: its id is a UUID5 of the graph
 * id, its name the graph id, marked `created_by: system`. It exists as long as the process does.
 */
export function graphAssistant(graphId: string, since: Date): AgentAssistant {
  return {
    json: {
      assistant_id: graphAssistantId(graphId), graph_id: graphId, config: {}, context: {}, metadata: { created_by: "system" },
      version: 1, name: graphId, description: null, created_at: since.toISOString(), updated_at: since.toISOString(),
    },
  };
}

/** One of the tenant's stored assistants: its settings are what its runs get as `configurable`. */
export function storedAssistant(a: Assistant): AgentAssistant {
  const configurable = { ...a.config } as Record<string, unknown>;
  return {
    json: {
      assistant_id: a.assistantId, graph_id: a.graphId, config: { configurable }, context: {}, metadata: a.metadata,
      version: a.version, name: a.name, description: a.description, created_at: a.createdAt.toISOString(), updated_at: a.updatedAt.toISOString(),
    },
    configurable,
  };
}

/**
 * One stored version as the SDK's `AssistantVersion`. A version keeps its graph, name and settings;
 * description and metadata are not versioned here, so each version shows the assistant's current ones.
 */
export function storedVersion(v: AssistantVersion, current: Assistant) {
  return {
    assistant_id: v.assistantId, graph_id: v.graphId, config: { configurable: { ...v.config } }, context: {}, metadata: current.metadata,
    version: v.version, name: v.name, description: current.description, created_at: v.createdAt.toISOString(),
  };
}

/** The Agent Server's metadata filter: every key given has an equal value (JSON equality). */
export function metadataMatches(metadata: Record<string, unknown>, filter: Record<string, unknown> | undefined): boolean {
  return Object.entries(filter ?? {}).every(([key, value]) => JSON.stringify(metadata[key]) === JSON.stringify(value));
}
