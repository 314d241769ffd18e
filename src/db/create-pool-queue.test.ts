import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { createPool } from "./create-pool.js";

// In a file of its own: pg warns once per process, so an earlier test's warning would hide this one's.
describe("createPool's new connections", () => {
  it("are set up before the pool hands them out: no statement waits behind another on them (pg 9 refuses that)", async () => {
    const db = await createTestDatabase();
    const pool = db.track(createPool(db.url, { max: 2 }));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    try {
      const firsts = await Promise.all([pool.query("SHOW jit"), pool.query("SHOW jit")]);
      for (const { rows } of firsts) expect(rows).toEqual([{ jit: "off" }]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((message) => message.includes("already executing a query"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
