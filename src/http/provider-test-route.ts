import { Router } from "express";
import { z } from "zod";
import { metadataContains } from "../conversations/metadata-contains.js";
import { AppError, notFound } from "../errors.js";
import { doc } from "../openapi/doc.js";
import type { ProviderRepository } from "../providers/provider-repository.js";
import { testProvider } from "../providers/test-provider.js";
import { authorize } from "./access.js";
import { requireJsonBody, validate } from "./validate.js";

const params = z.object({ provider_id: z.uuid("must be a UUID") });

const testBody = z.strictObject({
  model: z.string("must be a string").trim().min(1, "must not be empty").max(300, "must be at most 300 characters").optional(),
});

const RESULTS = ["ok", "unreachable", "unauthorized", "model_not_found", "timeout", "refused", "bad_response"] as const;

const testResponse = z.object({
  ok: z.boolean(),
  result: z.enum(RESULTS),
  http_status: z.number().int().nullable(),
  models: z.array(z.string()).nullable(),
  model: z.string().nullable(),
  latency_ms: z.number().int(),
  detail: z.string(),
});

/**
 * `POST /api/providers/:provider_id/test`: one small try of the provider (its model list and a
 * 1-token completion) through the provider fetch, so the address policy holds here as in runs.
 * Any outcome of the try is a 200 whose `result` says what happened; 404 is for a provider the
 * caller cannot see.
 */
export function providerTestRoute(deps: { providers: ProviderRepository; fetch: typeof fetch }): Router {
  const router = Router();
  router.post(
    "/api/providers/:provider_id/test",
    doc({
      summary: "Test a model provider: GET {base_url}/models and a 1-token chat completion; says what failed, never what the server answered",
      params, body: testBody, bodyOptional: true, response: { schema: testResponse },
    }),
    requireJsonBody,
    async (req, res) => {
      const parsed = params.safeParse(req.params);
      if (!parsed.success) throw new AppError("not_found", "No provider has that id (provider ids are UUIDs).");
      const id = parsed.data.provider_id;
      const body = validate(testBody, req.body);
      const visible = await authorize(res, "providers:read", { provider_id: id });
      const tenantId = res.locals.owner.tenantId;
      const provider = await deps.providers.get(tenantId, id);
      if (!provider || !metadataContains(provider.metadata, visible)) throw notFound("Provider", id);
      const connection = await deps.providers.connection(tenantId, id);
      if (!connection) throw notFound("Provider", id);
      res.json(await testProvider(connection, deps.fetch, body.model));
    },
  );
  return router;
}
