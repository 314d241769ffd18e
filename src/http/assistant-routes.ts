import { Router } from "express";
import { z } from "zod";
import { type JsonObject, jsonObjectSchema, mergePatch } from "../assistants/assistant-config.js";
import { assistantJson, assistantVersionJson } from "../assistants/assistant-json.js";
import type { AssistantRepository } from "../assistants/assistant-repository.js";
import { AppError, noAssistant } from "../errors.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import { metadataContains } from "../conversations/metadata-contains.js";
import { authorize } from "./access.js";
import { containsNul, requireJsonBody, validate } from "./validate.js";
import { doc, NO_CONTENT } from "../openapi/doc.js";
import type { ProviderRefs } from "../providers/provider-refs.js";

const noNul = <T>(schema: z.ZodType<T>) => schema.refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters");
const name = noNul(z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"));
const description = noNul(z.string().max(2000, "must be at most 2000 characters")).nullable();
const metadata = noNul(z.record(z.string(), z.unknown()));
const params = z.object({ id: z.uuid("must be a UUID") });
const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(500).optional(),
});

const createBody = z.strictObject({
  graph_id: z.string().min(1).max(100),
  name,
  description: description.optional(),
  config: jsonObjectSchema.default({}),
  context: jsonObjectSchema.default({}),
  metadata: metadata.default({}),
});

// config, context and metadata are JSON merge patches: given keys replace, null removes.
const patchBody = z.strictObject({
  graph_id: z.unknown().optional(),
  name: name.optional(),
  description: description.optional(),
  config: jsonObjectSchema.optional(),
  context: jsonObjectSchema.optional(),
  metadata: metadata.optional(),
});

/**
 * Stored assistants, per tenant: a graph and what its runs get (`config` as the graph's
 * `configurable`, and `context`), versioned on every change. The graph decides what it reads.
 */
export function assistantRoutes(deps: { graphs: GraphRegistry; assistants: AssistantRepository; providers?: ProviderRefs }): Router {
  const router = Router();

  router.post("/api/assistants", doc({ summary: "Create a stored assistant: a graph with its config, context and metadata", body: createBody, response: { status: 201 } }), requireJsonBody, async (req, res) => {
    const body = validate(createBody, req.body);
    if (!deps.graphs.has(body.graph_id)) {
      throw invalid([{ name: "graph_id", reason: `unknown graph; known graphs: ${deps.graphs.ids().join(", ")}` }]);
    }
    // The auth handler may refuse it or stamp its metadata (an owner key, say).
    const value = { graph_id: body.graph_id, name: body.name, description: body.description, config: body.config, context: body.context, metadata: body.metadata };
    await authorize(res, "assistants:create", value);
    // `config` is what the graph gets as `configurable`: a provider it names must be the tenant's.
    await deps.providers?.check(res.locals.owner.tenantId, body.config, "config.provider_id");
    const assistant = await deps.assistants.create(res.locals.owner.tenantId, body.graph_id, {
      name: body.name, description: body.description ?? null, config: { configurable: body.config }, context: body.context, metadata: value.metadata ?? {},
    });
    res.status(201).location(`/api/assistants/${assistant.assistantId}`).json(assistantJson(assistant));
  });

  router.get("/api/assistants", doc({ summary: "List the tenant's stored assistants", query: listQuery }), async (req, res) => {
    const { limit, cursor } = validate(listQuery, req.query, "query");
    const visible = await authorize(res, "assistants:search", { limit });
    const page = await deps.assistants.list(res.locals.owner.tenantId, { limit, cursor, visible });
    res.json({ assistants: page.items.map(assistantJson), next_cursor: page.nextCursor });
  });

  router.get("/api/assistants/:id", doc({ summary: "A stored assistant", params }), async (req, res) => {
    const { id } = validate(params, req.params, "path");
    const visible = await authorize(res, "assistants:read", { assistant_id: id });
    const assistant = await deps.assistants.find(res.locals.owner.tenantId, id);
    if (!assistant || !metadataContains(assistant.metadata, visible)) throw noAssistant(id);
    res.json(assistantJson(assistant));
  });

  router.patch("/api/assistants/:id", doc({ summary: "Change a stored assistant (config, context and metadata are JSON merge patches); a new version", params, body: patchBody }), requireJsonBody, async (req, res) => {
    const { id } = validate(params, req.params, "path");
    const body = validate(patchBody, req.body);
    if (body.graph_id !== undefined) {
      // A thread's checkpoints hold its graph's state; switching graph under them would break it.
      throw invalid([{ name: "graph_id", reason: "cannot be changed; create another assistant for another graph" }]);
    }
    if (Object.values(body).every((v) => v === undefined)) {
      throw invalid([{ name: "body", reason: "nothing to update: send name, description, config, context or metadata" }]);
    }
    const value = { assistant_id: id, name: body.name, description: body.description, config: body.config, context: body.context, metadata: body.metadata };
    const visible = await authorize(res, "assistants:update", value);
    await deps.providers?.check(res.locals.owner.tenantId, body.config, "config.provider_id");
    const updated = await deps.assistants.update(res.locals.owner.tenantId, id, (current) => {
      if (!metadataContains(current.metadata, visible)) throw noAssistant(id);
      return {
        name: body.name ?? current.name,
        description: body.description === undefined ? current.description : body.description,
        config: { ...current.config, configurable: patched("config", current.config.configurable ?? {}, body.config) },
        context: patched("context", current.context, body.context),
        metadata: mergePatch(current.metadata, value.metadata ?? {}),
      };
    });
    if (!updated) throw noAssistant(id);
    res.json(assistantJson(updated));
  });

  router.get("/api/assistants/:id/versions", doc({ summary: "A stored assistant's versions, newest first", params, query: listQuery }), async (req, res) => {
    const { id } = validate(params, req.params, "path");
    const { limit, cursor } = validate(listQuery, req.query, "query");
    const visible = await authorize(res, "assistants:read", { assistant_id: id });
    if (visible && !metadataContains((await deps.assistants.find(res.locals.owner.tenantId, id))?.metadata, visible)) throw noAssistant(id);
    const page = await deps.assistants.versions(res.locals.owner.tenantId, id, { limit, cursor });
    if (!page) throw noAssistant(id);
    res.json({ versions: page.items.map(assistantVersionJson), next_cursor: page.nextCursor });
  });

  // Threads created with the assistant are kept; their next turn asks for another assistant (409).
  router.delete("/api/assistants/:id", doc({ summary: "Delete a stored assistant", params, response: NO_CONTENT }), async (req, res) => {
    const { id } = validate(params, req.params, "path");
    const visible = await authorize(res, "assistants:delete", { assistant_id: id });
    if (!(await deps.assistants.delete(res.locals.owner.tenantId, id, visible))) throw noAssistant(id);
    res.status(204).end();
  });

  return router;
}

/** `current` with a merge patch applied, refused (naming `field`) if the result is more than may be stored. */
function patched(field: string, current: JsonObject, patch: JsonObject | undefined): JsonObject {
  const next = mergePatch(current, patch ?? {});
  const checked = jsonObjectSchema.safeParse(next);
  if (!checked.success) throw invalid([{ name: field, reason: checked.error.issues[0]!.message }]);
  return next;
}

function invalid(fields: { name: string; reason: string }[]): AppError {
  return new AppError("invalid_request", `Invalid body: ${fields.map((f) => `${f.name}: ${f.reason}`).join("; ")}`, { fields });
}
