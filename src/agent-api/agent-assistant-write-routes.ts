import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { assistantConfigSchema, jsonObjectSchema } from "../assistants/assistant-config.js";
import type { Assistant, AssistantRepository, AssistantVersion } from "../assistants/assistant-repository.js";
import type { ConversationRepository } from "../conversations/conversation-repository.js";
import { metadataContains } from "../conversations/metadata-contains.js";
import { AppError, noAssistant } from "../errors.js";
import { authorize } from "../http/access.js";
import { containsNul, requireJsonBody, validate } from "../http/validate.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import type { RunManager } from "../runs/run-manager.js";
import type { AgentAssistants } from "./agent-assistants.js";
import { metadataMatches, storedAssistant, storedVersion } from "./assistant-object.js";
import { threadUuid } from "../conversations/thread-json.js";
import { doc, NO_CONTENT } from "../openapi/doc.js";
import type { ProviderRefs } from "../providers/provider-refs.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 100;
const noNul = <T>(schema: z.ZodType<T>) => schema.refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters");
const name = noNul(z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"));
const description = noNul(z.string().max(2000, "must be at most 2000 characters")).nullable();
const metadata = noNul(z.record(z.string(), z.unknown()));

// Not strict at the top: the official client sends every field it knows, and newer clients know more.
const createBody = z.object({
  graph_id: z.string().min(1).max(100),
  assistant_id: z.uuid("must be a UUID").optional(),
  config: assistantConfigSchema.optional(),
  context: jsonObjectSchema.optional(),
  metadata: metadata.default({}),
  if_exists: z.enum(["raise", "do_nothing"]).default("raise"),
  name: name.default("Untitled"),
  description: description.optional(),
});
const patchBody = z.object({
  graph_id: z.string().optional(),
  config: assistantConfigSchema.optional(),
  context: jsonObjectSchema.optional(),
  metadata: metadata.optional(),
  name: name.optional(),
  description: description.optional(),
});
const versionsBody = z.object({
  metadata: metadata.optional(),
  limit: z.number().int().min(1).max(1000).default(10),
  offset: z.number().int().min(0).max(100_000).default(0),
});
const latestBody = z.object({ version: z.number().int().min(1).max(2_147_483_647) });
const countBody = z.object({ metadata: metadata.optional(), graph_id: z.string().max(100).optional(), name: z.string().max(200).optional() });
const pathParams = z.object({ id: z.string().min(1).max(200) });
const deleteQuery = z.object({ delete_threads: z.enum(["true", "false"]).optional() });

export interface AgentAssistantWriteDeps {
  graphs: GraphRegistry;
  assistants: AgentAssistants;
  stored: AssistantRepository;
  conversations: ConversationRepository;
  runs: RunManager;
  /** Checks a `config.configurable.provider_id` names one of the tenant's providers. */
  providers?: ProviderRefs;
}

/**
 * The Agent Server's write routes for assistants, on the tenant's stored assistants. A graph's own
 * assistant is built in: changing or deleting it is a 409, as it would come back with the process.
 */
export function agentAssistantWriteRoutes(deps: AgentAssistantWriteDeps): Router {
  const { assistants, stored } = deps;
  const router = Router();

  /** The tenant's stored assistant the path names; a graph's assistant is refused, anything else is 404. */
  function storedId(id: string): string {
    const graph = assistants.graphAssistant(id);
    if (graph) {
      throw new AppError("conflict", `Assistant ${id} is the ${graph.json.graph_id} graph's built-in assistant and cannot be changed; create your own with POST /assistants.`);
    }
    if (!UUID.test(id)) throw noAssistant(id);
    return id;
  }

  router.post("/assistants", doc({ summary: "Create a stored assistant", body: createBody }), requireJsonBody, async (req, res) => {
    const body = validate(createBody, req.body);
    const tenantId: string = res.locals.owner.tenantId;
    if (!deps.graphs.has(body.graph_id)) throw invalid("graph_id", `unknown graph; known graphs: ${deps.graphs.ids().join(", ")}`);
    // The auth handler may stamp the metadata (an owner key, say): the assistant is made with it as left.
    const value = { ...body, config: body.config ?? {}, context: body.context ?? {} };
    const visible = await authorize(res, "assistants:create", value);
    body.metadata = value.metadata ?? {};
    await deps.providers?.check(tenantId, body.config?.configurable, "config.configurable.provider_id");
    const graph = body.assistant_id === undefined ? undefined : assistants.graphAssistant(body.assistant_id);
    // One the handler would not show is still taken: a conflict, as upstream answers it.
    if (graph && !metadataContains(graph.json.metadata, visible)) throw new AppError("conflict", `Assistant ${body.assistant_id} already exists.`);
    if (graph && body.if_exists === "do_nothing") return void res.json(graph.json);
    const assistantId = graph ? undefined : body.assistant_id ?? randomUUID();
    const created = assistantId && await stored.createWithId(tenantId, assistantId, body.graph_id, {
      name: body.name, description: body.description ?? null, config: body.config ?? {}, context: body.context ?? {}, metadata: body.metadata,
    });
    if (created) return void res.json(storedAssistant(created).json);
    // Taken by this tenant (ids are per tenant): that assistant, unless it was deleted meanwhile.
    const existing = assistantId ? await stored.find(tenantId, assistantId) : null;
    if (!existing || body.if_exists === "raise" || !metadataContains(existing.metadata, visible)) throw new AppError("conflict", `Assistant ${body.assistant_id} already exists.`);
    res.json(storedAssistant(existing).json);
  });

  // The Agent Server's update: a given config or context replaces the current one as a whole,
  // metadata merges key by key, and every update, even an empty one, is a new version.
  router.patch("/assistants/:id", doc({ summary: "Change a stored assistant: a new version", params: pathParams, body: patchBody }), requireJsonBody, async (req, res) => {
    const given = validate(pathParams, req.params, "path").id;
    const body = validate(patchBody, req.body);
    const value = { assistant_id: given, graph_id: body.graph_id, config: body.config, context: body.context, metadata: body.metadata, name: body.name, description: body.description };
    const visible = await authorize(res, "assistants:update", value);
    body.metadata = value.metadata;
    const graph = assistants.graphAssistant(given);
    if (graph && !metadataContains(graph.json.metadata, visible)) throw noAssistant(given);
    const id = storedId(given);
    await deps.providers?.check(res.locals.owner.tenantId, body.config?.configurable, "config.configurable.provider_id");
    const updated = await stored.update(res.locals.owner.tenantId, id, (current) => {
      if (!metadataContains(current.metadata, visible)) throw noAssistant(id);
      if (body.graph_id !== undefined && body.graph_id !== current.graphId) {
        // A thread's checkpoints hold its graph's state; switching graph under them would break it.
        throw invalid("graph_id", "cannot be changed; create another assistant for another graph");
      }
      return {
        name: body.name ?? current.name,
        description: body.description === undefined ? current.description : body.description,
        config: body.config ?? current.config,
        context: body.context ?? current.context,
        metadata: { ...current.metadata, ...body.metadata },
      };
    });
    if (!updated) throw noAssistant(id);
    res.json(storedAssistant(updated).json);
  });

  // Threads created with the assistant are kept, and their next turn asks for another assistant
  // (409), unless `delete_threads=true`: then the caller's threads of it go first (none if one is
  // busy), so that a retry after a failure finds the assistant still there.
  router.delete("/assistants/:id", doc({ summary: "Delete a stored assistant (and its threads, with delete_threads)", params: pathParams, query: deleteQuery, response: NO_CONTENT }), async (req, res) => {
    const given = validate(pathParams, req.params, "path").id;
    const query = validate(deleteQuery, req.query, "query");
    const visible = await authorize(res, "assistants:delete", { assistant_id: given });
    const graph = assistants.graphAssistant(given);
    if (graph && !metadataContains(graph.json.metadata, visible)) throw noAssistant(given);
    const id = storedId(given);
    const owner = res.locals.owner;
    const current = await stored.find(owner.tenantId, id);
    if (!current || !metadataContains(current.metadata, visible)) throw noAssistant(id);
    if (query.delete_threads === "true") {
      const threads = await deps.conversations.assistantThreads(owner, id);
      const busy = threads.find((t) => t.status === "busy");
      if (busy) throw new AppError("conflict", `Thread ${threadUuid(busy)} of assistant ${id} has a run in progress; cancel it before deleting the assistant's threads.`);
      for (const thread of threads) await deps.runs.deleteThread(thread.threadId, owner, threadUuid(thread));
    }
    if (!(await stored.delete(owner.tenantId, id, visible))) throw noAssistant(id);
    res.status(204).end();
  });

  // Each version as it was, metadata included: the filter picks versions, newest first.
  router.post("/assistants/:id/versions", doc({ summary: "An assistant's versions, newest first", params: pathParams, body: versionsBody, bodyOptional: true }), requireJsonBody, async (req, res) => {
    const body = validate(versionsBody, req.body);
    const { id } = validate(pathParams, req.params, "path");
    const tenantId: string = res.locals.owner.tenantId;
    const visible = await authorize(res, "assistants:read", { assistant_id: id });
    const graph = assistants.graphAssistant(id);
    if (graph && !metadataContains(graph.json.metadata, visible)) throw noAssistant(id);
    if (graph) {
      const { updated_at: _, ...version } = graph.json;
      return void res.json([version].filter((v) => metadataMatches(v.metadata, body.metadata)).slice(body.offset, body.offset + body.limit));
    }
    const current = UUID.test(id) ? await stored.find(tenantId, id) : null;
    if (!current || !metadataContains(current.metadata, visible)) throw noAssistant(id);
    const versions = await readVersions(stored, current, body.offset + body.limit, (v) => metadataMatches(v.metadata, body.metadata));
    res.json(versions.slice(body.offset).map(storedVersion));
  });

  // Any stored version may answer again; the next update is still numbered after the newest.
  router.post("/assistants/:id/latest", doc({ summary: "Make one of an assistant's versions the one that answers", params: pathParams, body: latestBody }), requireJsonBody, async (req, res) => {
    const { version } = validate(latestBody, req.body);
    const { id } = validate(pathParams, req.params, "path");
    const tenantId: string = res.locals.owner.tenantId;
    const visible = await authorize(res, "assistants:update", { assistant_id: id, version });
    const graph = assistants.graphAssistant(id);
    if (graph) {
      if (!metadataContains(graph.json.metadata, visible)) throw noAssistant(id);
      if (version !== graph.json.version) throw noVersion(id, version);
      return void res.json(graph.json);
    }
    const current = UUID.test(id) ? await stored.find(tenantId, id) : null;
    if (!current || !metadataContains(current.metadata, visible)) throw noAssistant(id);
    const changed = await stored.setLatest(tenantId, id, version);
    if (changed === "no_assistant") throw noAssistant(id);
    if (changed === "no_version") throw noVersion(id, version);
    res.json(storedAssistant(changed).json);
  });

  router.post("/assistants/count", doc({ summary: "Count assistants", body: countBody, bodyOptional: true }), requireJsonBody, async (req, res) => {
    const body = validate(countBody, req.body);
    const visible = await authorize(res, "assistants:search", { graph_id: body.graph_id, metadata: body.metadata, limit: 0, offset: 0 });
    res.json(await assistants.count(res.locals.owner.tenantId, { graphId: body.graph_id, name: body.name, metadata: body.metadata, visible }));
  });

  return router;
}

/** The newest `wanted` versions that `keep` accepts, read a keyset page at a time. */
async function readVersions(stored: AssistantRepository, current: Assistant, wanted: number, keep: (v: AssistantVersion) => boolean): Promise<AssistantVersion[]> {
  const versions: AssistantVersion[] = [];
  let cursor: string | undefined;
  while (versions.length < wanted) {
    const page = await stored.versions(current.tenantId, current.assistantId, { limit: PAGE, cursor });
    if (!page) break;
    versions.push(...page.items.filter(keep));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return versions.slice(0, wanted);
}

function noVersion(id: string, version: number): AppError {
  return new AppError("not_found", `Assistant ${id} has no version ${version}.`);
}

function invalid(name: string, reason: string): AppError {
  return new AppError("invalid_request", `Invalid body: ${name}: ${reason}`, { fields: [{ name, reason }] });
}
