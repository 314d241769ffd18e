import { describe, expect, it } from "vitest";
import { describeModelServer, shownUrl, urlOrigin } from "./model-server.js";
import { ModelServers } from "./model-servers.js";

describe("describeModelServer", () => {
  it("shows a base URL without credentials, query or fragment, and its origin", () => {
    expect(shownUrl("https://bob:pa%3Ass@llm.example.com:8443/openai/v1?api-key=abc#x")).toBe("https://llm.example.com:8443/openai/v1");
    expect(shownUrl("http://127.0.0.1:11434/v1")).toBe("http://127.0.0.1:11434/v1");
    expect(shownUrl("http://user@host/")).toBe("http://host");
    expect(shownUrl("not a url")).toBe("(an invalid URL)");
    expect(urlOrigin("https://bob:secret@llm.example.com:8443/v1?k=1")).toBe("https://llm.example.com:8443");
    expect(urlOrigin("https://api.openai.com:443/v1")).toBe("https://api.openai.com");
  });

  it("is OpenAI's API when no base URL is given", () => {
    expect(describeModelServer({ model: "gpt-4o-mini", demo: false })).toEqual({
      baseUrl: "https://api.openai.com/v1", origin: "https://api.openai.com", model: "gpt-4o-mini", demo: false,
    });
  });
});

describe("ModelServers", () => {
  const servers = () => new ModelServers([{ baseURL: "http://u:pw@10.0.0.1:8000/v1?k=1", apiKey: "sk-live-abcdef", model: "m", demo: false }]);

  it("finds a server by the base URL its client holds, and knows no other", () => {
    const s = servers();
    expect(s.find("http://u:pw@10.0.0.1:8000/v1?k=1")).toBe(s.servers[0]);
    expect(s.find("http://10.0.0.2:8000/v1")).toBeUndefined();
    expect(s.find(undefined)).toBeUndefined();
    expect(new ModelServers([{ model: "gpt-4o-mini", demo: false }]).find(undefined)?.baseUrl).toBe("https://api.openai.com/v1");
  });

  it("reports each server's last call, and nothing before the first", () => {
    const s = servers();
    expect(s.status()).toEqual([{ base_url: "http://10.0.0.1:8000/v1", model: "m", demo: false, last_call: null }]);
    s.record(s.servers[0], { ok: false, code: "model_unreachable", latencyMs: 3.4 }, new Date("2026-01-02T03:04:05Z"));
    expect(s.status()[0].last_call).toEqual({ ok: false, at: "2026-01-02T03:04:05.000Z", code: "model_unreachable", latency_ms: 3 });
    s.record(s.servers[0], { ok: true, latencyMs: 120 }, new Date("2026-01-02T03:04:06Z"));
    expect(s.status()[0].last_call).toEqual({ ok: true, at: "2026-01-02T03:04:06.000Z", latency_ms: 120 });
    expect(JSON.stringify(s.status())).not.toMatch(/pw|sk-live|k=1/);
  });

  it("masks the API key and any URL's credentials in text bound for logs", () => {
    expect(servers().redact("401 Incorrect API key provided: Bearer sk-live-abcdef (sk-live-abcdef)")).toBe(
      "401 Incorrect API key provided: Bearer [redacted] ([redacted])",
    );
    expect(servers().redact("Request cannot be constructed from a URL that includes credentials: http://u:pw@10.0.0.1:8000/v1/chat?k=1")).toBe(
      "Request cannot be constructed from a URL that includes credentials: http://[redacted]@10.0.0.1:8000/v1/chat[redacted]",
    );
    expect(new ModelServers([{ model: "m", demo: true }]).redact("nothing to hide")).toBe("nothing to hide");
  });
});
