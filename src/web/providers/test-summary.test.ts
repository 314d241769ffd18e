import { describe, expect, it } from "vitest";
import { testSummary } from "./test-summary";

describe("testSummary", () => {
  it("says what worked, with the facts the service gave", () => {
    expect(testSummary({ ok: true, result: "ok", http_status: 200, models: ["a", "b"], model: "a", latency_ms: 12.4, detail: "" })).toEqual({
      headline: "✓ Works",
      facts: ["HTTP 200", "model a", "lists 2 models", "12 ms"],
    });
  });

  it("names the kind of failure; a request that got no answer has no status", () => {
    expect(testSummary({ ok: false, result: "unauthorized", http_status: 401, models: null, model: null, latency_ms: 3, detail: "" })).toEqual({ headline: "✗ Key refused", facts: ["HTTP 401", "3 ms"] });
    expect(testSummary({ ok: false, result: "unreachable", http_status: null, models: null, model: null, latency_ms: 1, detail: "" }).headline).toBe("✗ Unreachable");
  });
});
