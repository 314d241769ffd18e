import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { AppError } from "../errors.js";
import { ProviderRepository } from "./provider-repository.js";
import { SecretBox } from "./secret-box.js";

const KEY = randomBytes(32);
const API_KEY = "sk-repo-test-4f8a9b7c6d5e";
const HEADER = "org-secret-31415926";

describe("ProviderRepository", () => {
  it("keeps secrets sealed in the row and opens them for a connection of the right tenant only", async () => {
    const db = await createTestDatabase();
    const repo = new ProviderRepository(db.pool, new SecretBox(KEY));
    const created = await repo.create("acme", { name: "p1", baseUrl: "https://models.example.com/v1", apiKey: API_KEY, headers: { "X-Org": HEADER }, defaultModel: "m1" });
    expect(created).toMatchObject({ apiKey: { set: true, last4: "6d5e" }, headerNames: ["X-Org"], timeoutMs: 60_000, kind: "openai-compatible" });

    const { rows } = await db.pool.query("SELECT secrets::text AS text, convert_to(secrets::text, 'UTF8') AS bytes FROM providers");
    expect(rows[0].text).not.toContain(API_KEY);
    expect(rows[0].text).not.toContain(HEADER);
    expect((rows[0].bytes as Buffer).includes(API_KEY)).toBe(false);

    expect(await repo.connection("acme", created.providerId)).toMatchObject({ apiKey: API_KEY, headers: { "X-Org": HEADER }, defaultModel: "m1", baseUrl: "https://models.example.com/v1" });
    expect(await repo.connection("globex", created.providerId)).toBeUndefined();
    expect(await repo.get("globex", created.providerId)).toBeUndefined();
  });

  it("keeps secrets not changed by an update, removes the key on null, and refuses a duplicate name", async () => {
    const db = await createTestDatabase();
    const repo = new ProviderRepository(db.pool, new SecretBox(KEY));
    const p = await repo.create("acme", { name: "p1", baseUrl: "https://a.example.com/v1", apiKey: API_KEY, headers: { "X-Org": HEADER } });
    await repo.create("acme", { name: "p2", baseUrl: "https://b.example.com/v1" });
    await repo.update("acme", p.providerId, { defaultModel: "m2" });
    expect(await repo.connection("acme", p.providerId)).toMatchObject({ apiKey: API_KEY, headers: { "X-Org": HEADER }, defaultModel: "m2" });
    const removed = await repo.update("acme", p.providerId, { apiKey: null, headers: {} });
    expect(removed).toMatchObject({ apiKey: { set: false, last4: null }, headerNames: [] });
    expect(await repo.connection("acme", p.providerId)).toMatchObject({ apiKey: undefined, headers: {} });
    await expect(repo.update("acme", p.providerId, { name: "p2" })).rejects.toMatchObject({ code: "conflict" });
    expect((await repo.list("acme")).map((x) => x.name)).toEqual(["p1", "p2"]);
  });

  it("refuses a secret without SECRETS_KEY, and a key it cannot open is the service's error naming the provider", async () => {
    const db = await createTestDatabase();
    const err = await new ProviderRepository(db.pool, new SecretBox(undefined)).create("acme", { name: "p", baseUrl: "https://a.example.com/v1", apiKey: API_KEY }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "secrets_key_missing", message: expect.stringContaining("openssl rand -base64 32") });
    const p = await new ProviderRepository(db.pool, new SecretBox(KEY)).create("acme", { name: "sealed", baseUrl: "https://a.example.com/v1", apiKey: API_KEY });
    const unreadable = await new ProviderRepository(db.pool, new SecretBox(randomBytes(32))).connection("acme", p.providerId).catch((e) => e);
    expect(unreadable).toMatchObject({ code: "secrets_unreadable", message: expect.stringContaining(`"sealed" (${p.providerId})`) });
    expect(unreadable.message).not.toContain(API_KEY);
  });
});
