import type { Assistant, AssistantVersion } from "./assistant-repository.js";

/**
 * The public JSON shape of an assistant in our own API (snake_case, like the rest of it). Its
 * `config` is what the graph reads as `configurable` (the Agent Server API shows the whole config).
 */
export function assistantJson(a: Assistant) {
  return {
    assistant_id: a.assistantId,
    graph_id: a.graphId,
    name: a.name,
    description: a.description,
    config: a.config.configurable ?? {},
    context: a.context,
    metadata: a.metadata,
    version: a.version,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}

/** The public JSON shape of one stored version of an assistant. */
export function assistantVersionJson(v: AssistantVersion) {
  return {
    assistant_id: v.assistantId,
    version: v.version,
    graph_id: v.graphId,
    name: v.name,
    description: v.description,
    config: v.config.configurable ?? {},
    context: v.context,
    metadata: v.metadata,
    created_at: v.createdAt.toISOString(),
  };
}
