import { Router } from "express";
import { z } from "zod";
import { metadataContains } from "../conversations/metadata-contains.js";
import { AppError } from "../errors.js";
import { authorize } from "../http/access.js";
import { requireJsonBody, validate } from "../http/validate.js";
import { checkKey, checkNamespace, checkValue } from "../store/store-rules.js";
import { checkFilter } from "../store/store-filter.js";
import type { StoreRepository, Visible } from "../store/store-repository.js";
import { storeItemObject } from "./store-item-object.js";
import { doc, NO_CONTENT } from "../openapi/doc.js";

// Not strict, as the Agent Server's: the official client sends what it knows (`index`, `ttl`,
// `refresh_ttl`). Labels are checked one by one afterwards, so a 400 names the label (`namespace.2`).
const labels = z.array(z.unknown());
const putBody = z.object({
  namespace: labels,
  key: z.string(),
  value: z.record(z.string(), z.unknown()),
  index: z.union([z.literal(false), z.array(z.string().min(1).max(1000)).max(50)]).nullish(),
  ttl: z.null({ error: "is not supported by this server: items do not expire" }).optional(),
});
const itemBody = z.object({ namespace: labels, key: z.string() });
const getQuery = z.object({ namespace: z.string().optional(), key: z.string(), refresh_ttl: z.string().optional() });
const searchBody = z.object({
  namespace_prefix: labels,
  filter: z.unknown().optional(),
  limit: z.number().int().min(1).max(1000).default(10),
  offset: z.number().int().min(0).max(100_000).default(0),
  query: z.string().max(10_000).nullish(),
  refresh_ttl: z.boolean().nullish(),
});
const namespacesBody = z.object({
  prefix: labels.nullish(),
  suffix: labels.nullish(),
  max_depth: z.number().int().min(1).max(1000).nullish(),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).max(100_000).default(0),
});

const itemNotFound = () => new AppError("not_found", "Item not found.");
const notAuthorized = (event: string) => new AppError("forbidden", `Not authorized: the item is not one the auth handler for ${event} allows.`);

/**
 * The Agent Server's store routes (`client.store`): the caller's tenant's items, put, read, deleted,
 * searched and their namespaces listed. Under the manifest's auth each goes through its `store`
 * handler, as upstream: the handler may change the namespace, key or value it is given (they are
 * checked again), and its filter narrows what the caller sees and may write.
 */
export function storeRoutes(deps: { store: StoreRepository }): Router {
  const router = Router();
  const { store } = deps;

  /** Whether the item exists but `visible` hides it (a 404, as upstream, rather than a 403). */
  const hidden = async (tenantId: string, namespace: string[], key: string, visible: Visible) => {
    const item = await store.get(tenantId, namespace, key);
    return item !== null && !metadataContains({ ...item.value, namespace: item.namespace, key: item.key }, visible);
  };

  router.put("/store/items", doc({ summary: "Store an item under a namespace and key", body: putBody, response: NO_CONTENT }), requireJsonBody, async (req, res) => {
    const body = validate(putBody, req.body);
    const asked = { namespace: checkNamespace(body.namespace, "namespace"), key: body.key, value: checkValue(body.value) };
    checkKey(asked.key, asked.namespace);
    const visible = await authorize(res, "store:put", asked);
    const namespace = checkNamespace(asked.namespace, "namespace");
    const key = checkKey(asked.key, namespace);
    const value = checkValue(asked.value);
    const { tenantId } = res.locals.owner;
    if (!metadataContains({ ...value, namespace, key }, visible)) {
      throw (await hidden(tenantId, namespace, key, visible)) ? itemNotFound() : notAuthorized("store:put");
    }
    if (!(await store.put(tenantId, namespace, key, value, { fields: body.index, visible }))) throw itemNotFound();
    res.status(204).end();
  });

  router.delete("/store/items", doc({ summary: "Delete an item", body: itemBody, response: NO_CONTENT }), requireJsonBody, async (req, res) => {
    const body = validate(itemBody, req.body);
    const asked = { namespace: checkNamespace(body.namespace, "namespace"), key: body.key };
    checkKey(asked.key, asked.namespace);
    const visible = await authorize(res, "store:delete", asked);
    const namespace = checkNamespace(asked.namespace, "namespace");
    const key = checkKey(asked.key, namespace);
    const { tenantId } = res.locals.owner;
    if (!(await store.delete(tenantId, namespace, key, visible)) && visible) {
      if (await hidden(tenantId, namespace, key, visible)) throw itemNotFound();
      if (!metadataContains({ namespace, key }, visible)) throw notAuthorized("store:delete");
    }
    res.status(204).end();
  });

  // The namespace comes as one query parameter, its labels joined with ".".
  router.get("/store/items", doc({ summary: "An item (namespace as dot-separated labels), or null", query: getQuery }), async (req, res) => {
    const query = validate(getQuery, req.query, "query");
    const asked = { namespace: checkNamespace(query.namespace?.split(".") ?? [], "namespace"), key: query.key };
    checkKey(asked.key, asked.namespace);
    const visible = await authorize(res, "store:get", asked);
    const namespace = checkNamespace(asked.namespace, "namespace");
    const item = await store.get(res.locals.owner.tenantId, namespace, checkKey(asked.key, namespace));
    if (item && !metadataContains({ ...item.value, namespace: item.namespace, key: item.key }, visible)) throw itemNotFound();
    res.json(item && storeItemObject(item));
  });

  router.post("/store/items/search", doc({ summary: "Search items under a namespace prefix: by filter, or by meaning with query", body: searchBody }), requireJsonBody, async (req, res) => {
    const body = validate(searchBody, req.body);
    const filter = checkFilter(body.filter);
    const asked = { namespace: checkNamespace(body.namespace_prefix, "namespace_prefix", { empty: true }), filter, limit: body.limit, offset: body.offset, query: body.query ?? undefined };
    const visible = await authorize(res, "store:search", asked);
    const items = await store.search(res.locals.owner.tenantId, {
      prefix: checkNamespace(asked.namespace, "namespace_prefix", { empty: true }), filter, limit: body.limit, offset: body.offset, query: asked.query, visible,
    });
    res.json({ items: items.map(storeItemObject) });
  });

  router.post("/store/namespaces", doc({ summary: "List the namespaces that hold items", body: namespacesBody, bodyOptional: true }), requireJsonBody, async (req, res) => {
    const body = validate(namespacesBody, req.body);
    const pattern = (labels: unknown[] | null | undefined, field: string) => (labels ? checkNamespace(labels, field, { empty: true }) : undefined);
    const asked = { namespace: pattern(body.prefix, "prefix"), suffix: pattern(body.suffix, "suffix"), max_depth: body.max_depth ?? undefined, limit: body.limit, offset: body.offset };
    const visible = await authorize(res, "store:list_namespaces", asked);
    const namespaces = await store.listNamespaces(res.locals.owner.tenantId, {
      prefix: pattern(asked.namespace, "prefix"), suffix: pattern(asked.suffix, "suffix"), maxDepth: asked.max_depth, limit: body.limit, offset: body.offset, visible,
    });
    res.json({ namespaces });
  });

  return router;
}
