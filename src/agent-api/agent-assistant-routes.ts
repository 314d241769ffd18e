import { type Request, type Response, Router } from "express";
import { z } from "zod";
import { authorize } from "../http/access.js";
import { validate } from "../http/validate.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import type { GraphSchema } from "../schemas/graph-schema.js";
import type { GraphSchemas } from "../schemas/graph-schemas.js";
import type { AgentAssistants } from "./agent-assistants.js";
import { doc } from "../openapi/doc.js";

const ASSISTANT_FIELDS = ["assistant_id", "graph_id", "name", "description", "config", "context", "created_at", "updated_at", "metadata", "version"] as const;

// Not strict: the official client sends every field it knows, and newer clients know more.
const searchBody = z.object({
  graph_id: z.string().min(1).max(100).optional(),
  name: z.string().max(200).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  limit: z.number().int().min(1).max(1000).default(10),
  offset: z.number().int().min(0).max(100_000).default(0),
  select: z.array(z.enum(ASSISTANT_FIELDS)).optional(),
});
const subgraphsQuery = z.object({
  recurse: z.enum(["true", "false", "1", "0"], "must be true or false").transform((v) => v === "true" || v === "1").optional(),
});
const graphQuery = z.object({
  xray: z.union([z.enum(["true", "false"]).transform((v) => v === "true"), z.coerce.number().int().min(0).max(100)]).optional(),
});

/** The Agent Server's read routes for assistants: each graph, and the tenant's stored assistants. */
export function agentAssistantRoutes(deps: { graphs: GraphRegistry; assistants: AgentAssistants; schemas: GraphSchemas }): Router {
  const { assistants } = deps;
  const router = Router();
  /** The assistant the path names, if the auth handler for assistants:read lets the caller see it. */
  const readable = async (res: Response, id: string) => assistants.resolve(res.locals.owner.tenantId, id, await authorize(res, "assistants:read", { assistant_id: id }));

  router.post("/assistants/search", doc({ summary: "Search assistants: each graph's own and the tenant's stored ones", body: searchBody, bodyOptional: true }), async (req, res) => {
    const body = validate(searchBody, req.body);
    const visible = await authorize(res, "assistants:search", { graph_id: body.graph_id, metadata: body.metadata, limit: body.limit, offset: body.offset });
    const found = await assistants.search(res.locals.owner.tenantId, {
      graphId: body.graph_id, name: body.name, metadata: body.metadata, visible, limit: body.limit, offset: body.offset,
    });
    // The Agent Server's paging headers: a full page may have a next one.
    if (found.length === body.limit) res.set("X-Pagination-Next", String(body.offset + found.length));
    res.set("X-Pagination-Total", String(body.offset + found.length + (found.length === body.limit ? 1 : 0)));
    res.json(found.map(({ json }) => (body.select ? Object.fromEntries(Object.entries(json).filter(([k]) => body.select!.includes(k as never))) : json)));
  });

  router.get("/assistants/:id", doc({ summary: "An assistant (a graph id names its default assistant)" }), async (req, res) => {
    res.json((await readable(res, req.params.id)).json);
  });

  router.get("/assistants/:id/graph", doc({ summary: "The assistant's graph, drawable (nodes and edges)", query: graphQuery }), async (req, res) => {
    const { xray } = validate(graphQuery, req.query, "query");
    const assistant = await readable(res, req.params.id);
    const { graph_id, config, context } = assistant.json;
    const graph = await deps.graphs.get(graph_id, { configurable: { ...config.configurable }, context });
    const drawable = await graph.getGraphAsync({ configurable: { ...config.configurable }, xray: xray || undefined });
    res.json(drawable.toJSON());
  });

  // Each subgraph of the graph by namespace (`node`, nested ones `node|inner`), under `namespace` if
  // given; with `recurse`, the subgraphs of subgraphs too.
  const subgraphs = async (req: Request, res: Response) => {
    const { recurse } = validate(subgraphsQuery, req.query, "query");
    const { json } = await readable(res, String(req.params.id));
    const graph = await deps.graphs.get(json.graph_id, { configurable: { ...json.config.configurable }, context: json.context });
    const found: [string, GraphSchema][] = [];
    const namespace = typeof req.params.namespace === "string" ? req.params.namespace : undefined;
    for await (const [ns, subgraph] of graph.getSubgraphsAsync(namespace, recurse ?? false)) found.push([ns, await deps.schemas.forSubgraph(json.graph_id, ns, subgraph)]);
    res.json(Object.fromEntries(found));
  };
  router.get("/assistants/:id/subgraphs", doc({ summary: "The schemas of the graph's subgraphs, by namespace", query: subgraphsQuery }), subgraphs);
  router.get("/assistants/:id/subgraphs/:namespace", doc({ summary: "The schemas of the subgraphs under a namespace", query: subgraphsQuery }), subgraphs);

  // The graph's JSON schemas (see GraphSchemas); as the JS Agent Server, its context schema is its config schema.
  router.get("/assistants/:id/schemas", doc({ summary: "The graph's input, output, state and config JSON schemas" }), async (req, res) => {
    const { json } = await readable(res, req.params.id);
    const graph = await deps.graphs.get(json.graph_id, { configurable: { ...json.config.configurable }, context: json.context });
    const schema = await deps.schemas.forGraph(json.graph_id, graph);
    res.json({
      graph_id: json.graph_id,
      input_schema: schema.input,
      output_schema: schema.output,
      state_schema: schema.state,
      config_schema: schema.config,
      context_schema: schema.config,
    });
  });

  return router;
}
