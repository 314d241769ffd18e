import { expect } from "vitest";
import { residentSetBytes } from "../../src/db/process-info.js";
import { declaredRoutes } from "../helpers/app-routes.js";
import { runFuzz, type FuzzSummary } from "./fuzz.js";
import { FUZZ_API_KEY, RSS_MARGIN_BYTES, settledRss, type FuzzTarget } from "./fuzz-target.js";

const MiB = (bytes: number | null) => (bytes === null ? "?" : `${Math.round(bytes / 1024 / 1024)} MiB`);

/** Fuzzes `target` with `seed` and checks what the issue asks: no 500, 503s with Retry-After, alive, RSS back near its start. */
export async function fuzzAndCheck(target: FuzzTarget, seed: number, requests: number): Promise<FuzzSummary> {
  const rssStart = residentSetBytes(target.pid);
  const summary = await runFuzz({ url: target.service.url, seed, requests, apiKey: FUZZ_API_KEY, routes: declaredRoutes(), ids: target.ids, pid: target.pid });
  const rssEnd = rssStart === null ? null : await settledRss(target.pid, rssStart);
  console.log(
    `fuzz seed ${seed}: ${summary.requests} requests in ${(summary.durationMs / 1000).toFixed(1)} s; statuses ${JSON.stringify(summary.byStatus)}; ` +
      `RSS start ${MiB(rssStart)}, peak ${MiB(summary.peakRssBytes)}, end ${MiB(rssEnd)}; ${summary.findings.length} findings`,
  );
  expect(summary.findings).toEqual([]);
  expect(target.service.child.exitCode, "the service process died").toBeNull();
  expect((await fetch(`${target.service.url}/healthz`)).status).toBe(200);
  // Every route was reached, not only fed: each answered something.
  expect(Object.keys(summary.byRoute).length).toBe(declaredRoutes().length);
  if (rssStart !== null) expect(rssEnd!, `RSS should settle within ${MiB(RSS_MARGIN_BYTES)} of its start`).toBeLessThanOrEqual(rssStart + RSS_MARGIN_BYTES);
  return summary;
}
