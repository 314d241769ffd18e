import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredRoutes, routesOf } from "./helpers/app-routes.js";
import { createTestDatabase } from "./helpers/test-database.js";
import { fuzzAndCheck } from "./fuzz/check-fuzz.js";
import { fuzzRequest, routeCoverage, runFuzz } from "./fuzz/fuzz.js";
import { startFuzzTarget, type FuzzTarget } from "./fuzz/fuzz-target.js";
import { startTestService } from "./helpers/test-service.js";

const SEED = 20_261_201;
const REQUESTS = 2_000;

describe("seeded fuzz of every route (fixed seed)", () => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await startFuzzTarget((await createTestDatabase()).url);
  });
  afterAll(() => target?.close());

  it("has a generator for every route of the app, and none for a route that is gone", async () => {
    expect(routeCoverage(declaredRoutes())).toEqual({ missing: [], stale: [] });
    // The routes declared without a service are the running service's.
    const t = await startTestService();
    try {
      expect(declaredRoutes().sort()).toEqual(routesOf(t.service.app).sort());
    } finally {
      await t.close();
    }
  });

  it("makes the same requests from the same seed", () => {
    const routes = declaredRoutes();
    for (const index of [0, 1, 777]) expect(fuzzRequest(SEED, index, routes, target.ids, "k")).toEqual(fuzzRequest(SEED, index, routes, target.ids, "k"));
    expect(fuzzRequest(SEED, 0, routes, target.ids, "k")).not.toEqual(fuzzRequest(SEED + 1, 0, routes, target.ids, "k"));
  });

  // The checks can fail: a server that answers badly is reported, each finding with its replay.
  it("reports a 500, a 503 without Retry-After and an error that is not a problem", async () => {
    const answers = [
      (res: http.ServerResponse) => res.writeHead(500, { "content-type": "application/problem+json" }).end("{}"),
      (res: http.ServerResponse) => res.writeHead(503, { "content-type": "application/problem+json" }).end("{}"),
      (res: http.ServerResponse) => res.writeHead(400, { "content-type": "text/plain" }).end("bad"),
    ];
    let n = 0;
    const bad = http.createServer((req, res) => {
      req.resume();
      answers[n++ % answers.length]!(res);
    });
    await new Promise<void>((resolve) => bad.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`;
      const summary = await runFuzz({ url, seed: SEED, requests: 30, apiKey: "k", routes: declaredRoutes(), ids: target.ids, concurrency: 1 });
      // (A request to /v1, which answers in OpenAI's shape, is reported as that shape's miss instead.)
      const kinds = new Set(summary.findings.map((f) => f.kind));
      expect([...kinds]).toEqual(expect.arrayContaining(["server error", "503 without Retry-After", "error not problem+json"]));
      expect([...kinds].filter((k) => !["server error", "503 without Retry-After", "error not problem+json", "error not in OpenAI's shape"].includes(k))).toEqual([]);
      // A finding shows its request's path and body cut to 2 kB (whichever request the seed's first is).
      const first = fuzzRequest(SEED, 0, declaredRoutes(), target.ids, "k").request;
      const cut = (text: string) => (text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text);
      expect(summary.findings[0]).toMatchObject({ seed: SEED, index: 0, request: { ...first, path: cut(first.path), body: first.body === undefined ? undefined : cut(first.body) } });
    } finally {
      await new Promise((resolve) => bad.close(resolve));
    }
  });

  it(`answers ${REQUESTS} hostile requests without a 500, every error a problem, and stays up`, async () => {
    await fuzzAndCheck(target, SEED, REQUESTS);
  }, 120_000);
});
