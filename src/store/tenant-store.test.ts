import type { Item } from "@langchain/langgraph";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { StoreRepository } from "./store-repository.js";
import { TenantStore } from "./tenant-store.js";

// The store as a graph's code calls it (LangGraph's BaseStore), on a real database: two tenants' stores over one table.
describe("TenantStore", () => {
  let acme: TenantStore;
  let globex: TenantStore;
  beforeAll(async () => {
    const repository = new StoreRepository((await createTestDatabase()).pool);
    acme = new TenantStore(repository, "acme");
    globex = new TenantStore(repository, "globex");
  });

  it("puts, gets, searches, lists and deletes in its tenant's space only", async () => {
    await acme.put(["prefs", "alice"], "theme", { value: "dark" });
    await acme.put(["prefs", "bob"], "theme", { value: "light" });
    await acme.put(["docs"], "d", { n: 3 });
    await globex.put(["prefs", "alice"], "theme", { value: "globex's" });
    expect(await acme.get(["prefs", "alice"], "theme")).toMatchObject({ namespace: ["prefs", "alice"], key: "theme", value: { value: "dark" }, createdAt: expect.any(Date), updatedAt: expect.any(Date) });
    expect((await acme.search(["prefs"], { filter: { value: { $ne: "dark" } } })).map((i) => i.value)).toEqual([{ value: "light" }]);
    expect(await acme.listNamespaces()).toEqual([["docs"], ["prefs", "alice"], ["prefs", "bob"]]);
    expect(await acme.listNamespaces({ prefix: ["prefs"], maxDepth: 1 })).toEqual([["prefs"]]);
    expect(await acme.listNamespaces({ suffix: ["bob"] })).toEqual([["prefs", "bob"]]);
    expect(await globex.listNamespaces()).toEqual([["prefs", "alice"]]);
    await acme.delete(["prefs", "alice"], "theme");
    expect(await acme.get(["prefs", "alice"], "theme")).toBeNull();
    expect((await globex.get(["prefs", "alice"], "theme"))?.value).toEqual({ value: "globex's" });
    // Several operations at once (LangGraph batches a step's), in order.
    const [, got, found] = (await acme.batch([{ namespace: ["docs"], key: "e", value: { n: 4 } }, { namespace: ["docs"], key: "e" }, { namespacePrefix: ["docs"], filter: { n: { $gt: 3 } }, limit: 5, offset: 0 }])) as unknown as [void, Item | null, Item[]];
    expect([got?.value, found.map((i) => i.key)]).toEqual([{ n: 4 }, ["e"]]);
  });

  it("refuses what a 400 would, naming it", async () => {
    await expect(acme.get(["a", ""], "k")).rejects.toThrow("Invalid store request: namespace.1: must not be empty");
    await expect(acme.search(["a"], { filter: { n: { $like: "x" } } })).rejects.toThrow(/filter\.n\.\$like: is not an operator this store knows/);
    await expect(acme.search(["a"], { limit: -1 })).rejects.toThrow("Invalid store request: limit: must be a whole number from 0 to 10000");
    await expect(acme.batch([{ namespace: ["a"], key: "k", value: { nul: "\u0000" } }])).rejects.toThrow("Invalid store request: value: must not contain U+0000");
  });
});
