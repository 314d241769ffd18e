import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredRoutes, routesOf } from "./helpers/app-routes.js";
import { createTestDatabase } from "./helpers/test-database.js";
import { fuzzAndCheck } from "./fuzz/check-fuzz.js";
import { fuzzRequest, routeCoverage } from "./fuzz/fuzz.js";
import { startFuzzTarget, type FuzzTarget } from "./fuzz/fuzz-target.js";
import { startTestService } from "./helpers/test-service.js";

const SEED = 20_261_201;
const REQUESTS = 1_500;

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

  it(`answers ${REQUESTS} hostile requests without a 500, every error a problem, and stays up`, async () => {
    await fuzzAndCheck(target, SEED, REQUESTS);
  }, 120_000);
});
