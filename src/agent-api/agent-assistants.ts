import type { AssistantRepository } from "../assistants/assistant-repository.js";
import { type MetadataFilter, metadataContains } from "../conversations/metadata-contains.js";
import { noAssistant } from "../errors.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import { type AgentAssistant, graphAssistant, metadataMatches, storedAssistant } from "./assistant-object.js";
import { graphAssistantId } from "./graph-assistant-id.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 100;

export interface AssistantSearch {
  graphId?: string;
  name?: string;
  metadata?: Record<string, unknown>;
  /** Metadata an auth handler requires (containment, as `metadataContains`). */
  visible?: MetadataFilter;
  limit: number;
  offset: number;
}

/**
 * The assistants the Agent Server API sees: each graph (by its graph id or the UUID5 the Agent
 * Server derives from it) and the tenant's stored assistants.
 */
export class AgentAssistants {
  private readonly since = new Date();

  constructor(private readonly graphs: GraphRegistry, private readonly stored: AssistantRepository) {}

  /** The assistant `id` names; with `visible` (an auth handler's filter), one whose metadata does not contain it is missing. */
  async resolve(tenantId: string, id: string, visible?: MetadataFilter): Promise<AgentAssistant> {
    const graph = this.graphAssistant(id);
    const assistant = graph ?? (UUID.test(id) ? await this.stored.find(tenantId, id).then((a) => a && storedAssistant(a)) : null);
    if (!assistant || !metadataContains(assistant.json.metadata, visible)) throw noAssistant(id);
    return assistant;
  }

  /** The graph's assistant if the id names a graph (its graph id or UUID5); these are built in and read-only. */
  graphAssistant(id: string): AgentAssistant | undefined {
    const graphId = this.graphs.ids().find((g) => g === id || graphAssistantId(g) === id.toLowerCase());
    return graphId === undefined ? undefined : this.ofGraph(graphId);
  }

  private ofGraph(graphId: string): AgentAssistant {
    return graphAssistant(graphId, this.since, this.graphs.defaults(graphId));
  }

  /** How many assistants `search` would find with no limit: every stored one is read, a page at a time. */
  async count(tenantId: string, query: Omit<AssistantSearch, "limit" | "offset">): Promise<number> {
    let count = this.graphs.ids().map((g) => this.ofGraph(g)).filter((a) => passes(a, query)).length;
    let cursor: string | undefined;
    do {
      const page = await this.stored.list(tenantId, { limit: PAGE, cursor });
      count += page.items.map(storedAssistant).filter((a) => passes(a, query)).length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return count;
  }

  /**
   * The graphs first, then stored assistants newest first. The wire protocol pages by offset; the
   * stored ones are read by keyset pages and the offset counted over the matches, so an offset
   * lands where it should even when filters skip rows.
   */
  async search(tenantId: string, query: AssistantSearch): Promise<AgentAssistant[]> {
    const wanted = query.offset + query.limit;
    const matches = this.graphs.ids().map((g) => this.ofGraph(g)).filter((a) => passes(a, query));
    let cursor: string | undefined;
    while (matches.length < wanted) {
      const page = await this.stored.list(tenantId, { limit: PAGE, cursor });
      matches.push(...page.items.map(storedAssistant).filter((a) => passes(a, query)));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return matches.slice(query.offset, wanted);
  }
}

function passes({ json }: AgentAssistant, query: Omit<AssistantSearch, "limit" | "offset">): boolean {
  return (query.graphId === undefined || json.graph_id === query.graphId)
    && (query.name === undefined || json.name.toLowerCase().includes(query.name.toLowerCase()))
    && metadataMatches(json.metadata, query.metadata)
    && metadataContains(json.metadata, query.visible);
}
