import { tool } from "@langchain/core/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startMockOpenAI, type MockOpenAI } from "../../test/helpers/mock-openai.js";
import { ProviderChatOpenAI } from "./provider-chat-model.js";
import { providerFetch } from "./provider-fetch.js";
import { ProviderModels } from "./provider-models.js";
import { providerPolicy } from "./provider-policy.js";
import type { ProviderConnection } from "./provider-repository.js";

const KEY = "sk-unit-0123456789abcdef";
const HEADER = "hdr-unit-fedcba9876543210";
const PROVIDER = "6f1c2b9e-1d2a-4c3b-8e4f-5a6b7c8d9e0f";

describe("ProviderModels", () => {
  let server: MockOpenAI;
  let connection: ProviderConnection | undefined;
  let reads = 0;
  const models = () =>
    new ProviderModels({
      connection: async (tenantId, providerId) => {
        reads += 1;
        return tenantId === "acme" && providerId === PROVIDER ? connection : undefined;
      },
      fetch: globalThis.fetch,
      maxRetries: 0,
    });
  beforeAll(async () => {
    server = await startMockOpenAI({ text: "unit reply" });
    connection = {
      providerId: PROVIDER, tenantId: "acme", kind: "openai-compatible", baseUrl: server.baseURL, apiKey: KEY,
      headers: { "X-Org": HEADER }, defaultModel: "default-m", timeoutMs: 5000, updatedAt: new Date("2026-01-01T00:00:00Z"),
    };
  });
  afterAll(() => server.close());

  it("sends the key and headers on each request, and keeps them out of everything the model shows", async () => {
    const model = await models().chatModel("acme", PROVIDER, { temperature: 0.5 });
    const bound = model.bindTools([tool(async () => "x", { name: "noop", description: "does nothing", schema: z.object({}) })]);
    expect(bound).toBeInstanceOf(ProviderChatOpenAI);
    const reply = await bound.invoke("hi");
    expect(reply.content).toBe("unit reply");
    expect(reply.response_metadata.provider_id).toBe(PROVIDER);
    expect(server.requests.at(-1)!.headers).toMatchObject({ authorization: `Bearer ${KEY}`, "x-org": HEADER });
    expect(server.requests.at(-1)!.body).toMatchObject({ model: "default-m", temperature: 0.5 });
    // What callbacks, tracers and caches are given of a model.
    const shown = JSON.stringify([model.toJSON(), model.invocationParams(), model.identifyingParams(), model.lc_kwargs, bound.toJSON()]);
    expect(shown).toContain(server.baseURL);
    expect(shown).not.toContain(KEY);
    expect(shown).not.toContain(HEADER);
  });

  it("names the provider on the first streamed chunk only, so the merged reply names it once", async () => {
    const model = await models().chatModel("acme", PROVIDER);
    const chunks = [];
    for await (const chunk of await model.stream("hi")) chunks.push(chunk);
    expect(chunks.map((c) => c.response_metadata.provider_id ?? null).filter(Boolean)).toEqual([PROVIDER]);
  });

  it("reuses a client until the provider changes, and reads the connection at every call", async () => {
    const pm = models();
    const first = await pm.chatModel("acme", PROVIDER);
    const before = reads;
    expect(await pm.chatModel("acme", PROVIDER)).toBe(first);
    expect(reads).toBe(before + 1);
    connection = { ...connection!, updatedAt: new Date("2026-02-01T00:00:00Z") };
    expect(await pm.chatModel("acme", PROVIDER)).not.toBe(first);
  });

  it("refuses another tenant's provider as one that does not exist, and a provider without a model", async () => {
    await expect(models().chatModel("globex", PROVIDER)).rejects.toMatchObject({ name: "InvalidConfigError", message: expect.stringContaining("there is no such provider") });
    connection = { ...connection!, defaultModel: undefined };
    await expect(models().chatModel("acme", PROVIDER)).rejects.toMatchObject({ name: "InvalidConfigError", message: expect.stringContaining("configurable.model") });
    connection = { ...connection!, defaultModel: "default-m" };
  });

  it("masks the secrets it has read in text bound for a log", async () => {
    const pm = models();
    await pm.chatModel("acme", PROVIDER);
    expect(pm.redact(`401: key ${KEY} with ${HEADER}`)).toBe("401: key [redacted] with [redacted]");
  });

  it("calls through the fetch it is given: the address policy refuses a closed address before anything is sent", async () => {
    const refusing = new ProviderModels({ connection: async () => connection, fetch: providerFetch(providerPolicy([], [])), maxRetries: 0 });
    const before = server.requests.length;
    const err = await (await refusing.chatModel("acme", PROVIDER)).invoke("hi").catch((e: Error) => e);
    // The OpenAI client reports a connection error, caused by the refusal.
    expect((err as Error & { cause?: Error }).cause?.name).toBe("ProviderRefused");
    expect(server.requests.length).toBe(before);
  });
});
