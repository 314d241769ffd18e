import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { metadataContains } from "../conversations/metadata-contains.js";
import { filterContainment } from "./auth-filters.js";

// An auth handler's filters, as LangGraph's server reads them, become one containment object that
// PostgreSQL (`metadata @> $1`, for lists) and memory (`metadataContains`, for one thread) judge alike.
describe("auth handler filters", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  const cases: [string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
    ["no filter keys", { a: "foo" }, {}, true],
    ["an equal value", { a: "foo", b: "bar" }, { a: "foo" }, true],
    ["another value", { a: "foo" }, { a: "baz" }, false],
    ["a missing key", { a: "foo" }, { b: "bar" }, false],
    ["empty metadata", {}, { a: "foo" }, false],
    ["$eq", { a: "foo" }, { a: { $eq: "foo" } }, true],
    ["$eq with another value", { a: "foo" }, { a: { $eq: "baz" } }, false],
    ["$eq on a number", { n: 3 }, { n: { $eq: 3 } }, true],
    ["$eq does not match a number's string", { n: 3 }, { n: "3" }, false],
    ["$contains one value", { a: ["foo", "bar"] }, { a: { $contains: "bar" } }, true],
    ["$contains a value not there", { a: ["foo", "bar"] }, { a: { $contains: "qux" } }, false],
    ["$contains on a string", { a: "bar" }, { a: { $contains: "bar" } }, false],
    ["$contains all of several", { a: ["foo", "bar", "baz"] }, { a: { $contains: ["bar", "baz"] } }, true],
    ["$contains not all of several", { a: ["foo", "bar"] }, { a: { $contains: ["bar", "baz"] } }, false],
    ["several keys, all met", { a: "foo", c: ["baz", "qux"] }, { a: "foo", c: { $contains: "baz" } }, true],
    ["several keys, one not", { a: "foo", c: ["baz", "qux"] }, { a: "other", c: { $contains: "baz" } }, false],
    ["null against a missing key", {}, { a: null }, false],
    ["null against null", { a: null }, { a: null }, true],
  ];

  it.each(cases)("%s: memory and PostgreSQL agree", async (_, metadata, filters, expected) => {
    const containment = filterContainment(filters);
    expect(metadataContains(metadata, containment)).toBe(expected);
    const { rows } = await db.pool.query("SELECT $1::jsonb @> $2::jsonb AS passes", [JSON.stringify(metadata), JSON.stringify(containment)]);
    expect(rows[0].passes).toBe(expected);
  });

  it("refuses a filter of another shape rather than ignore it (ignoring would widen what the caller sees)", () => {
    expect(() => filterContainment({ team: { $ne: "red" } })).toThrow(/a filter on "team" of a shape this server does not apply: \{"\$ne":"red"\}/);
    expect(() => filterContainment({ team: ["red"] })).toThrow(/a filter on "team"/);
    expect(() => filterContainment({ team: { $eq: "red", $contains: "red" } })).toThrow(/a filter on "team"/);
  });
});
