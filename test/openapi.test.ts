import { JSDOM } from "jsdom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { declaredRoutes } from "./helpers/app-routes.js";
import { curlRequest } from "./helpers/curl-request.js";
import { README, curlBlocks, fencedBlocks, recordedCurls } from "./helpers/readme-curls.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

type Schema = Record<string, unknown>;
interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: Schema }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}
interface Description {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

describe("the OpenAPI description", () => {
  let t: TestService;
  let spec: Description;
  beforeAll(async () => {
    t = await startTestService();
    const res = await fetch(`${t.url}/openapi.json`);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    spec = await res.json();
  });
  afterAll(() => t.close());

  const operations = () => Object.entries(spec.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

  it("describes every registered route, and nothing else, in OpenAPI 3.1", () => {
    expect(spec.openapi).toBe("3.1.0");
    const described = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    const declared = declaredRoutes().map((route) => route.replace(/:(\w+)/g, "{$1}"));
    expect(described.sort()).toEqual(declared.sort());
    expect(new Set(operations().map(({ op }) => op.operationId)).size).toBe(described.length);
    // Each path parameter is in the path, and each of the path's is described.
    for (const { path, op } of operations()) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(op.parameters?.filter((p) => p.in === "path").map((p) => p.name) ?? [], path).toEqual(inPath);
    }
  });

  it("has the schemas the routes validate with, limits included", () => {
    const chat = spec.paths["/api/chat"]!.post!;
    const bodies = chat.requestBody!.content["application/json"]!.schema.oneOf as Schema[];
    expect(bodies.map((b) => b.required)).toEqual([["message"], ["input"], ["thread_id", "resume"]]);
    // MAX_MESSAGE_CHARS of the running service, not a copy.
    expect((bodies[0]!.properties as Record<string, Schema>).message).toMatchObject({ type: "string", minLength: 1, maxLength: 32_000 });
    expect(chat.parameters).toEqual([{ name: "format", in: "query", required: false, schema: { type: "string", enum: ["sse", "text"] } }]);
    const runBody = spec.paths["/threads/{id}/runs/stream"]!.post!.requestBody!.content["application/json"]!.schema;
    expect(runBody.required).toEqual(["assistant_id"]);
    expect(Object.keys(runBody.properties as Schema)).toEqual(expect.arrayContaining(["input", "command", "stream_mode", "multitask_strategy", "webhook"]));
    // A field the server refuses may not be sent, rather than anything.
    expect((runBody.properties as Record<string, Schema>).feedback_keys).toEqual({ not: {} });
    expect(JSON.stringify(spec)).not.toContain("$defs");
  });

  // Each README call as bash puts it together, checked against the description: its route, path
  // parameters, query and JSON body.
  it("accepts every example request of the README", async () => {
    const checked = [];
    for (const { block, calls } of await recordedCurls(curlBlocks(fencedBlocks(README)))) {
      for (const args of calls) {
        const request = curlRequest(args);
        const where = `README line ${block.line}: ${request.method} ${request.path}`;
        const found = findOperation(spec, request.method, request.path);
        expect(found, `${where}: no such route in /openapi.json`).toBeDefined();
        const { op, params } = found!;
        for (const [name, value] of Object.entries(params)) expectValid(op.parameters!.find((p) => p.in === "path" && p.name === name)?.schema, value, `${where}: path parameter ${name}`);
        for (const [name, value] of request.query) {
          const parameter = op.parameters?.find((p) => p.in === "query" && p.name === name);
          expect(parameter, `${where}: query parameter ${name} is not described`).toBeDefined();
          expectValid(parameter!.schema, fromQuery(parameter!.schema, value), `${where}: query parameter ${name}`);
        }
        const media = op.requestBody?.content["application/json"];
        if (request.body !== undefined) {
          expect(media, `${where}: sends a JSON body the route does not describe`).toBeDefined();
          expectValid(media!.schema, JSON.parse(request.body), `${where}: body`);
        } else if (!request.fromFile) {
          expect(op.requestBody?.required ?? false, `${where}: sends no body, which the route requires`).toBe(false);
        }
        checked.push(where);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(40);
  });

  it("serves a docs page that needs no inline script nor another origin, and draws every operation", async () => {
    const page = await fetch(`${t.url}/docs`);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    const html = await page.text();
    const dom = new JSDOM(html, { url: `${t.url}/docs#postApiChat`, runScripts: "outside-only" });
    const { document } = dom.window;
    const scripts = [...document.querySelectorAll("script")];
    expect(scripts.map((s) => [s.getAttribute("src"), s.textContent])).toEqual([["/docs/docs.js", ""]]);
    expect([...document.querySelectorAll("link[rel=stylesheet]")].map((l) => l.getAttribute("href"))).toEqual(["/docs/docs.css"]);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=|https?:\/\//i);
    const css = await fetch(`${t.url}/docs/docs.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const script = await fetch(`${t.url}/docs/docs.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    // The page's own script, run as the browser would, fetching /openapi.json from the service.
    const origin = t.url;
    dom.window.fetch = ((input: string) => fetch(new URL(input, origin))) as typeof fetch;
    dom.window.eval(await script.text());
    await expect.poll(() => document.querySelectorAll("details.operation").length).toBe(operations().length);
    expect(document.getElementById("title")!.textContent).toMatch(/^threadloom API \d+\.\d+\.\d+$/);
    // The operation the URL names is open, its parameters and body drawn; the others wait to be opened.
    const chat = document.getElementById("postApiChat")!;
    expect(chat.querySelector(".path")!.textContent).toBe("/api/chat");
    await expect.poll(() => [...chat.querySelectorAll(".name")].map((n) => n.textContent)).toEqual(expect.arrayContaining(["message", "input", "resume", "format"]));
    expect(document.querySelectorAll("details.operation[open]")).toHaveLength(1);
    dom.window.close();
  });
});

/** The operation for a request's method and path, and its path parameters: the most literal path wins, as the routes are mounted. */
function findOperation(spec: Description, method: string, path: string): { op: Operation; params: Record<string, string> } | undefined {
  const candidates = Object.entries(spec.paths).flatMap(([template, ops]) => {
    const op = ops[method.toLowerCase()];
    const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{\w+\\?\}|\{\w+\}/g, "([^/]+)")}$`);
    const match = pattern.exec(path);
    if (!op || !match) return [];
    return [{ op, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)])), literal: names.length }];
  });
  return candidates.sort((a, b) => a.literal - b.literal)[0];
}

/** A query string's value as its schema's type: the routes coerce numbers and booleans. */
function fromQuery(schema: Schema, value: string): unknown {
  if (schema.type === "integer" || schema.type === "number") return Number(value);
  if (schema.type === "boolean") return value === "true";
  return value;
}

/** The value is valid under the JSON Schema, read with zod's own reader of JSON Schema. */
function expectValid(schema: Schema | undefined, value: unknown, where: string): void {
  expect(schema, `${where}: not described`).toBeDefined();
  const result = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value);
  expect(result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`), `${where}: ${JSON.stringify(value)}`).toEqual([]);
}
