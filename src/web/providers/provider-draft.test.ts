import { describe, expect, it } from "vitest";
import type { Provider } from "../api/types";
import { draftOf, emptyDraft, headersError, providerBody, providerFieldOf } from "./provider-draft";

const STORED: Provider = {
  provider_id: "0b6f3a8e-5f0c-4c4e-9a55-2f1d7c7d8e01",
  name: "local-vllm",
  kind: "openai-compatible",
  base_url: "http://10.0.0.5:8000/v1",
  default_model: "qwen2.5",
  timeout_ms: 60000,
  api_key: { set: true, last4: "x9Qz" },
  headers: ["X-Org"],
  metadata: {},
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("providerBody", () => {
  it("creates with what was typed, leaving out what the service defaults", () => {
    const draft = { ...emptyDraft(), name: " vllm ", baseUrl: "http://127.0.0.1:8000/v1", apiKey: { action: "replace" as const, value: "sk-1234" } };
    expect(providerBody(draft, null)).toEqual({ body: { name: "vllm", base_url: "http://127.0.0.1:8000/v1", api_key: "sk-1234" } });
    const full = { ...draft, defaultModel: "qwen", timeoutMs: "5000", headers: [{ name: "X-Org", value: "acme" }] };
    expect(providerBody(full, null)).toEqual({ body: { name: "vllm", base_url: "http://127.0.0.1:8000/v1", api_key: "sk-1234", default_model: "qwen", timeout_ms: 5000, headers: { "X-Org": "acme" } } });
  });

  it("edits with only what changed; the key and headers are kept unless replaced or removed", () => {
    expect(providerBody(draftOf(STORED), STORED)).toEqual({ body: {} });
    expect(providerBody({ ...draftOf(STORED), defaultModel: "", apiKey: { action: "remove" } }, STORED)).toEqual({ body: { default_model: null, api_key: null } });
    expect(providerBody({ ...draftOf(STORED), headers: [] }, STORED)).toEqual({ body: { headers: {} } });
    expect(providerBody({ ...draftOf(STORED), apiKey: { action: "replace", value: "sk-new" } }, STORED)).toEqual({ body: { api_key: "sk-new" } });
  });

  it("names each bad field", () => {
    const bad = { ...emptyDraft(), baseUrl: "ftp://x", timeoutMs: "12", apiKey: { action: "replace" as const, value: "" }, headers: [{ name: "Host", value: "x" }] };
    expect(providerBody(bad, null)).toEqual({
      errors: {
        name: "must not be empty",
        base_url: "must start with http:// or https://",
        timeout_ms: "must be a whole number from 1000 to 600000",
        api_key: "must not be empty (or keep the current one)",
        headers: "Host cannot be set (the service sets it)",
      },
    });
    expect(providerBody({ ...draftOf(STORED), baseUrl: "api.openai.com/v1" }, STORED)).toEqual({ errors: { base_url: "must be an absolute URL, e.g. https://api.openai.com/v1" } });
  });
});

describe("headersError", () => {
  it("refuses what the service refuses: bad names, its own headers, twice the same, an empty value", () => {
    expect(headersError([{ name: "X-Org", value: "a" }, { name: "OpenAI-Project", value: "b" }])).toBeNull();
    expect(headersError([{ name: "", value: "a" }])).toBe("every header needs a name");
    expect(headersError([{ name: "X Org", value: "a" }])).toBe("“X Org” is not a valid header name");
    expect(headersError([{ name: "authorization", value: "a" }])).toBe("authorization cannot be set (the service sets it)");
    expect(headersError([{ name: "Transfer-Encoding", value: "a" }])).toBe("Transfer-Encoding cannot be set (the service sets it)");
    expect(headersError([{ name: "X-A", value: "1" }, { name: "x-a", value: "2" }])).toBe("x-a is listed twice");
    expect(headersError([{ name: "X-A", value: "" }])).toBe("X-A needs a value");
  });
});

describe("providerFieldOf", () => {
  it("maps the service's invalid_params names to the form's fields", () => {
    expect(providerFieldOf("base_url")).toBe("base_url");
    expect(providerFieldOf("headers.Host")).toBe("headers");
    expect(providerFieldOf("metadata")).toBeNull();
  });
});
