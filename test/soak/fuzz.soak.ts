import { afterAll, beforeAll, describe, it } from "vitest";
import { fuzzAndCheck } from "../fuzz/check-fuzz.js";
import { startFuzzTarget, type FuzzTarget } from "../fuzz/fuzz-target.js";
import { createTestDatabase } from "../helpers/test-database.js";

const SEED = 1_452_095_713;
const REQUESTS = 10_000;

// The full size: 10,000 seeded requests over every route, against `src/main.ts` as a process.
describe("seeded fuzz of every route, 10,000 requests (fixed seed)", () => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await startFuzzTarget((await createTestDatabase()).url);
  });
  afterAll(() => target?.close());

  it(`answers ${REQUESTS} hostile requests without a 500, every error a problem, stays up and gives its memory back`, async () => {
    await fuzzAndCheck(target, SEED, REQUESTS);
  }, 420_000);
});
