import { expect, inject, it } from "vitest";

// Run only by `.ci/run` (THREADLOOM_SELF_CHECK=1 npm test): it must make `npm test` fail, through the
// same command and global setup as the real suite, or CI could never go red.
it("fails on purpose, with the test database up", () => {
  expect(inject("pgServerUrl")).toMatch(/^postgres(ql)?:\/\//);
  expect("a failing test").toBe("reported as a failure");
});
