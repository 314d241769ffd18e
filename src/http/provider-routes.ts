import { type ErrorRequestHandler, Router } from "express";
import { z } from "zod";
import { metadataContains } from "../conversations/metadata-contains.js";
import { AppError, notFound } from "../errors.js";
import { doc, NO_CONTENT } from "../openapi/doc.js";
import { createProviderBody, patchProviderBody } from "../providers/provider-input.js";
import { providerJson } from "../providers/provider-json.js";
import type { Provider, ProviderChange, ProviderRepository } from "../providers/provider-repository.js";
import { authorize } from "./access.js";
import { requireJsonBody, validate } from "./validate.js";

const params = z.object({ provider_id: z.uuid("must be a UUID") });

/** The path's provider id; one that is not a UUID names no provider (404, as the spec of issue 16 says), not a bad request. */
function providerId(raw: unknown): string {
  const parsed = params.safeParse({ provider_id: raw });
  if (!parsed.success) throw new AppError("not_found", "No provider has that id (provider ids are UUIDs).");
  return parsed.data.provider_id;
}

/** Checks a base URL's address before it is stored (422 address_refused); see src/net. */
export type CheckBaseUrl = (baseUrl: string) => Promise<void> | void;

/**
 * The tenant's model providers. Secrets go in and never come out: every answer is `providerJson`.
 * What the auth handler sees is the same: names and settings, never the key or the headers' values.
 */
export function providerRoutes(deps: { providers: ProviderRepository; checkBaseUrl?: CheckBaseUrl }): Router {
  const router = Router();
  const { providers } = deps;

  /** The caller's provider, or the 404 of one that does not exist (another tenant's, or hidden by the auth handler). */
  const visibleProvider = async (tenantId: string, id: string, visible: Record<string, unknown> | undefined): Promise<Provider> => {
    const provider = await providers.get(tenantId, id);
    if (!provider || !metadataContains(provider.metadata, visible)) throw notFound("Provider", id);
    return provider;
  };

  router.post("/api/providers", doc({ summary: "Create a model provider (an OpenAI-compatible server); its key and headers' values are stored encrypted and never shown", body: createProviderBody, response: { status: 201 } }), requireJsonBody, async (req, res) => {
    const body = validate(createProviderBody, req.body);
    await deps.checkBaseUrl?.(body.base_url);
    const value = { name: body.name, kind: body.kind ?? "openai-compatible", base_url: body.base_url, default_model: body.default_model ?? null, timeout_ms: body.timeout_ms, headers: Object.keys(body.headers ?? {}), metadata: body.metadata ?? {} };
    await authorize(res, "providers:create", value);
    const provider = await providers.create(res.locals.owner.tenantId, {
      name: body.name, kind: body.kind, baseUrl: body.base_url, apiKey: body.api_key, defaultModel: body.default_model, headers: body.headers, timeoutMs: body.timeout_ms, metadata: value.metadata,
    });
    res.status(201).location(`/api/providers/${provider.providerId}`).json(providerJson(provider));
  });

  router.get("/api/providers", doc({ summary: "List the tenant's model providers, by name" }), async (_req, res) => {
    const visible = await authorize(res, "providers:search", {});
    const all = await providers.list(res.locals.owner.tenantId);
    res.json({ providers: all.filter((p) => metadataContains(p.metadata, visible)).map(providerJson) });
  });

  router.get("/api/providers/:provider_id", doc({ summary: "A model provider (without its key or headers' values)", params }), async (req, res) => {
    const id = providerId(req.params.provider_id);
    const visible = await authorize(res, "providers:read", { provider_id: id });
    res.json(providerJson(await visibleProvider(res.locals.owner.tenantId, id, visible)));
  });

  router.patch("/api/providers/:provider_id", doc({ summary: "Change a model provider: api_key null removes the key, headers replaces them all", params, body: patchProviderBody }), requireJsonBody, async (req, res) => {
    const id = providerId(req.params.provider_id);
    const body = validate(patchProviderBody, req.body);
    if (Object.values(body).every((v) => v === undefined)) {
      const fields = [{ name: "body", reason: "nothing to update: send name, base_url, api_key, default_model, headers, timeout_ms or metadata" }];
      throw new AppError("invalid_request", `Invalid body: ${fields[0]!.reason}`, { fields });
    }
    const visible = await authorize(res, "providers:update", {
      provider_id: id, name: body.name, kind: body.kind, base_url: body.base_url, default_model: body.default_model, timeout_ms: body.timeout_ms,
      headers: body.headers && Object.keys(body.headers), metadata: body.metadata,
    });
    const tenantId = res.locals.owner.tenantId;
    await visibleProvider(tenantId, id, visible);
    if (body.base_url !== undefined) await deps.checkBaseUrl?.(body.base_url);
    const change: ProviderChange = {
      name: body.name, kind: body.kind, baseUrl: body.base_url, apiKey: body.api_key, defaultModel: body.default_model, headers: body.headers, timeoutMs: body.timeout_ms, metadata: body.metadata,
    };
    const updated = await providers.update(tenantId, id, change);
    if (!updated) throw notFound("Provider", id);
    res.json(providerJson(updated));
  });

  router.delete("/api/providers/:provider_id", doc({ summary: "Delete a model provider; 409 provider_in_use while an assistant's current version names it", params, response: NO_CONTENT }), async (req, res) => {
    const id = providerId(req.params.provider_id);
    const visible = await authorize(res, "providers:delete", { provider_id: id });
    const tenantId = res.locals.owner.tenantId;
    await visibleProvider(tenantId, id, visible);
    if (!(await providers.remove(tenantId, id))) throw notFound("Provider", id);
    res.status(204).end();
  });

  return router;
}

/**
 * The JSON parser's message quotes a piece of a body it cannot parse (`Unexpected token 's',
 * ..."api_key": sk-live-"...`), which here may be a piece of a key: the 400 says where, not what.
 * Mounted right after the parser: an error skips routers, reaching only error handlers beside it.
 */
export const maskUnparsedBody: ErrorRequestHandler = (err, _req, _res, next) => {
  if ((err as { type?: string }).type !== "entity.parse.failed") return next(err);
  const at = /at position (\d+)/.exec(String((err as Error).message))?.[1];
  next(new AppError("invalid_request", `The request body is not valid JSON${at ? ` (at position ${at})` : ""}.`, { fields: [{ name: "body", reason: "malformed JSON" }] }));
};
