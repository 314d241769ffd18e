import type { ProviderTestOutcome, ProviderTestResult } from "../api/types";

const HEADLINES: Record<ProviderTestOutcome, string> = {
  ok: "✓ Works",
  unreachable: "✗ Unreachable",
  unauthorized: "✗ Key refused",
  model_not_found: "✗ Model not found",
  timeout: "✗ Timed out",
  refused: "✗ Address refused",
  bad_response: "✗ Not an OpenAI-compatible answer",
};

/** A test's result in a few words: a headline, then the facts (status, model, time). */
export function testSummary(r: ProviderTestResult): { headline: string; facts: string[] } {
  const facts: string[] = [];
  if (r.http_status !== null) facts.push(`HTTP ${r.http_status}`);
  if (r.model) facts.push(`model ${r.model}`);
  if (r.models) facts.push(r.models.length === 1 ? "lists 1 model" : `lists ${r.models.length} models`);
  facts.push(`${Math.round(r.latency_ms)} ms`);
  return { headline: HEADLINES[r.result] ?? `✗ ${r.result}`, facts };
}
