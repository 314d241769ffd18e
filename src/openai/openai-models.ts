import type { Assistant, AssistantRepository } from "../assistants/assistant-repository.js";
import { type MetadataFilter, metadataContains } from "../conversations/metadata-contains.js";
import { AppError } from "../errors.js";
import type { GraphRegistry } from "../runs/graph-registry.js";

/** A model as `GET /v1/models` lists it; `name` is ours (a stored assistant's id is a UUID). */
export interface ModelObject {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  name: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 100;

/**
 * What OpenAI clients call models: the manifest's graphs (by graph id) and the tenant's stored
 * assistants (by id; a request may name one by its name as well).
 */
export class OpenAiModels {
  private readonly since = Math.floor(Date.now() / 1000);

  constructor(private readonly graphs: GraphRegistry, private readonly assistants: AssistantRepository) {}

  async list(tenantId: string, visible?: MetadataFilter): Promise<ModelObject[]> {
    const graphs = this.graphs.ids().map((id): ModelObject => ({ id, object: "model", created: this.since, owned_by: "threadloom", name: id }));
    const stored = (await this.stored(tenantId)).filter((a) => metadataContains(a.metadata, visible));
    return [...graphs, ...stored.map((a): ModelObject => ({ id: a.assistantId, object: "model", created: Math.floor(a.createdAt.getTime() / 1000), owned_by: "threadloom", name: a.name }))];
  }

  /** The assistant id (a graph id or a stored assistant's UUID) a request's `model` names. */
  async resolve(tenantId: string, model: string): Promise<string> {
    if (this.graphs.has(model)) return model;
    if (UUID.test(model)) {
      if (await this.assistants.find(tenantId, model)) return model;
      throw noModel(model);
    }
    const named = (await this.stored(tenantId)).filter((a) => a.name === model);
    if (named.length > 1) {
      throw new AppError("invalid_request", `Invalid body: model: ${named.length} assistants are named ${model}; name one by its id (${named.map((a) => a.assistantId).join(", ")}).`, {
        fields: [{ name: "model", reason: "names more than one assistant" }],
      });
    }
    if (named[0]) return named[0].assistantId;
    throw noModel(model);
  }

  private async stored(tenantId: string): Promise<Assistant[]> {
    const all: Assistant[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.assistants.list(tenantId, { limit: PAGE, cursor });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }
}

// As OpenAI words it, so clients that recognise the code do.
const noModel = (model: string) =>
  new AppError("not_found", `The model \`${model}\` does not exist: name a graph, or an assistant by its id or name (GET /v1/models lists them).`, {
    param: "model",
    error_code: "model_not_found",
  });
