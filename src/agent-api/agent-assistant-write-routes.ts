import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import type { Assistant, AssistantRepository, AssistantVersion } from "../assistants/assistant-repository.js";
import { metadataContains } from "../conversations/metadata-contains.js";
import { AppError, notFound } from "../errors.js";
import { authorize } from "../http/access.js";
import { containsNul, requireJsonBody, validate } from "../http/validate.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import { agentConfigSchema, agentContextSchema, agentSettings } from "./agent-assistant-settings.js";
import type { AgentAssistants } from "./agent-assistants.js";
import { metadataMatches, storedAssistant, storedVersion } from "./assistant-object.js";

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
  config: agentConfigSchema.optional(),
  context: agentContextSchema.optional(),
  metadata: metadata.default({}),
  if_exists: z.enum(["raise", "do_nothing"]).default("raise"),
  name: name.default("Untitled"),
  description: description.optional(),
});
const patchBody = z.object({
  graph_id: z.string().optional(),
  config: agentConfigSchema.optional(),
  context: agentContextSchema.optional(),
  metadata: metadata.optional(),
  name: name.optional(),
  description: description.optional(),
});
const versionsBody = z.object({
  metadata: metadata.optional(),
  limit: z.number().int().min(1).max(1000).default(10),
  offset: z.number().int().min(0).max(100_000).default(0),
});
const latestBody = z.object({ version: z.number().int().min(1) });
const countBody = z.object({ metadata: metadata.optional(), graph_id: z.string().max(100).optional(), name: z.string().max(200).optional() });
const pathParams = z.object({ id: z.string().min(1).max(200) });
const deleteQuery = z.object({
  delete_threads: z.literal("false", { error: "deleting the assistant's threads is not supported; delete them with DELETE /threads/:id" }).optional(),
});

/**
 * The Agent Server's write routes for assistants, on the tenant's stored assistants. A graph's own
 * assistant is built in: changing or deleting it is a 409, as it would come back with the process.
 */
export function agentAssistantWriteRoutes(deps: { graphs: GraphRegistry; assistants: AgentAssistants; stored: AssistantRepository }): Router {
  const { assistants, stored } = deps;
  const router = Router();
  const settingsOf = (body: z.infer<typeof patchBody>) => agentSettings(body);

  /** The tenant's stored assistant the path names; a graph's assistant is refused, anything else is 404. */
  function storedId(id: string): string {
    const graph = assistants.graphAssistant(id);
    if (graph) {
      throw new AppError("conflict", `Assistant ${id} is the ${graph.json.graph_id} graph's built-in assistant and cannot be changed; create your own with POST /assistants.`);
    }
    if (!UUID.test(id)) throw notFound("Assistant", id);
    return id;
  }

  router.post("/assistants", requireJsonBody, async (req, res) => {
    const body = validate(createBody, req.body);
    const tenantId: string = res.locals.owner.tenantId;
    if (!deps.graphs.has(body.graph_id)) throw invalid("graph_id", `unknown graph; known graphs: ${deps.graphs.ids().join(", ")}`);
    // The auth handler may stamp the metadata (an owner key, say): the assistant is made with it as left.
    const value = { ...body, config: body.config ?? {}, context: body.context ?? {} };
    const visible = await authorize(res, "assistants:create", value);
    body.metadata = value.metadata ?? {};
    const config = settingsOf(body);
    const graph = body.assistant_id === undefined ? undefined : assistants.graphAssistant(body.assistant_id);
    // One the handler would not show is still taken: a conflict, as upstream answers it.
    if (graph && !metadataContains(graph.json.metadata, visible)) throw new AppError("conflict", `Assistant ${body.assistant_id} already exists.`);
    if (graph && body.if_exists === "do_nothing") return void res.json(graph.json);
    const assistantId = graph ? undefined : body.assistant_id ?? randomUUID();
    const created = assistantId && await stored.createWithId(tenantId, assistantId, body.graph_id, {
      name: body.name, description: body.description ?? null, config, metadata: body.metadata,
    });
    if (created) return void res.json(storedAssistant(created).json);
    // Taken by this tenant (ids are per tenant): that assistant, unless it was deleted meanwhile.
    const existing = assistantId ? await stored.find(tenantId, assistantId) : null;
    if (!existing || body.if_exists === "raise" || !metadataContains(existing.metadata, visible)) throw new AppError("conflict", `Assistant ${body.assistant_id} already exists.`);
    res.json(storedAssistant(existing).json);
  });

  // The Agent Server's update: given config or context replace the settings as a whole, metadata
  // merges key by key, and every update is the next version.
  router.patch("/assistants/:id", requireJsonBody, async (req, res) => {
    const given = validate(pathParams, req.params, "path").id;
    const body = validate(patchBody, req.body);
    const value = { assistant_id: given, graph_id: body.graph_id, config: body.config, context: body.context, metadata: body.metadata, name: body.name, description: body.description };
    const visible = await authorize(res, "assistants:update", value);
    body.metadata = value.metadata;
    const graph = assistants.graphAssistant(given);
    if (graph && !metadataContains(graph.json.metadata, visible)) throw notFound("Assistant", given);
    const id = storedId(given);
    const updated = await stored.update(res.locals.owner.tenantId, id, (current) => {
      if (!metadataContains(current.metadata, visible)) throw notFound("Assistant", id);
      if (body.graph_id !== undefined && body.graph_id !== current.graphId) {
        // A thread's checkpoints hold its graph's state; switching graph under them would break it.
        throw invalid("graph_id", "cannot be changed; create another assistant for another graph");
      }
      const replaces = body.config !== undefined || body.context !== undefined;
      return {
        name: body.name ?? current.name,
        description: body.description === undefined ? current.description : body.description,
        config: replaces ? settingsOf(body) : current.config,
        metadata: { ...current.metadata, ...body.metadata },
      };
    });
    if (!updated) throw notFound("Assistant", id);
    res.json(storedAssistant(updated).json);
  });

  // Threads created with the assistant are kept; their next turn asks for another assistant (409).
  router.delete("/assistants/:id", async (req, res) => {
    const given = validate(pathParams, req.params, "path").id;
    validate(deleteQuery, req.query, "query");
    const visible = await authorize(res, "assistants:delete", { assistant_id: given });
    const graph = assistants.graphAssistant(given);
    if (graph && !metadataContains(graph.json.metadata, visible)) throw notFound("Assistant", given);
    const id = storedId(given);
    if (!(await stored.delete(res.locals.owner.tenantId, id, visible))) throw notFound("Assistant", id);
    res.status(204).end();
  });

  router.post("/assistants/:id/versions", requireJsonBody, async (req, res) => {
    const body = validate(versionsBody, req.body);
    const { id } = validate(pathParams, req.params, "path");
    const tenantId: string = res.locals.owner.tenantId;
    const visible = await authorize(res, "assistants:read", { assistant_id: id });
    const graph = assistants.graphAssistant(id);
    if (graph && !metadataContains(graph.json.metadata, visible)) throw notFound("Assistant", id);
    if (graph) {
      const { updated_at: _, ...version } = graph.json;
      return void res.json([version].filter((v) => metadataMatches(v.metadata, body.metadata)).slice(body.offset, body.offset + body.limit));
    }
    const current = UUID.test(id) ? await stored.find(tenantId, id) : null;
    if (!current || !metadataContains(current.metadata, visible)) throw notFound("Assistant", id);
    // Versions carry the assistant's current metadata, so the filter keeps all of them or none.
    if (!metadataMatches(current.metadata, body.metadata)) return void res.json([]);
    const versions = await readVersions(stored, current, body.offset + body.limit);
    res.json(versions.slice(body.offset).map((v) => storedVersion(v, current)));
  });

  // Our versions keep graph, name and settings but not description or metadata, and the next update
  // numbers itself from the current version: pointing back at an older one cannot be done faithfully.
  router.post("/assistants/:id/latest", requireJsonBody, async (req, res) => {
    const { version } = validate(latestBody, req.body);
    const { id } = validate(pathParams, req.params, "path");
    const assistant = await assistants.resolve(res.locals.owner.tenantId, id, await authorize(res, "assistants:update", { assistant_id: id, version }));
    if (version === assistant.json.version) return void res.json(assistant.json);
    throw invalid("version", `making an earlier version the latest is not supported here (the latest is ${assistant.json.version}); `
      + "update the assistant with that version's config instead, which makes it the next version");
  });

  router.post("/assistants/count", requireJsonBody, async (req, res) => {
    const body = validate(countBody, req.body);
    const visible = await authorize(res, "assistants:search", { graph_id: body.graph_id, metadata: body.metadata, limit: 0, offset: 0 });
    res.json(await assistants.count(res.locals.owner.tenantId, { graphId: body.graph_id, name: body.name, metadata: body.metadata, visible }));
  });

  return router;
}

/** The newest `wanted` versions, read a keyset page at a time. */
async function readVersions(stored: AssistantRepository, current: Assistant, wanted: number): Promise<AssistantVersion[]> {
  const versions: AssistantVersion[] = [];
  let cursor: string | undefined;
  while (versions.length < wanted) {
    const page = await stored.versions(current.tenantId, current.assistantId, { limit: PAGE, cursor });
    if (!page) break;
    versions.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return versions.slice(0, wanted);
}

function invalid(name: string, reason: string): AppError {
  return new AppError("invalid_request", `Invalid body: ${name}: ${reason}`, { fields: [{ name, reason }] });
}
