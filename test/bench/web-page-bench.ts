/**
 * The bench's web page part: what the page at `/` costs a user, against the API it calls, measured in
 * the same run on the same service (Chromium via playwright-core, as the browser tests drive it).
 *
 * - Page weight: the JS and CSS `index.html` loads, and all of the build's, as the service sends them (gzip).
 * - Cold load: a new browser context (empty cache) from navigation to the composer accepting input.
 * - Enter to the first token painted: Enter pressed in the composer of an open thread, until the
 *   frame after the reply's first word appeared in the page; the reference is the same turn's time
 *   to first token at the Agent Server API (the SDK's `runs.stream`, which the page also uses), from
 *   this process, on another thread of the same length, asking for the stream modes the page asks
 *   for. Turns alternate page / API, each from an idle thread.
 */
import { readdir } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { Client, type StreamMode } from "@langchain/langgraph-sdk";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, browserSkipReason, ensureWebBuilt } from "../e2e/browser.js";
import type { BenchDatabase } from "./bench-database.js";
import { spawnTs, waitForLine } from "./processes.js";
import { percentile, table } from "./report.js";
import { startServices } from "./services.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TITLE = "### The web page (test/bench/web-page-bench.ts)";
const COLD_LOADS = 7;
const TURNS = 15;
/** The mock model's first word: what the page is watched for. */
const FIRST_WORD = "w0";

export interface WebPageBenchOptions {
  db: BenchDatabase;
  tempDir: string;
  log(message: string): void;
  defer(step: () => Promise<unknown>): void;
}

export async function benchWebPage(options: WebPageBenchOptions): Promise<string> {
  if (browserSkipReason) return `\n${TITLE}\n\nskipped: ${browserSkipReason}\n`;
  ensureWebBuilt();
  const { log } = options;
  const model = spawnTs("web mock model", "test/bench/mock-model-server.ts", ["32", "2"]);
  options.defer(() => model.stop());
  const modelURL = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line).url as string) : undefined));
  const services = await startServices({ db: options.db, modelURL, tempDir: options.tempDir, replicas: 1, poolMax: 10 });
  options.defer(() => services.stop());
  const url = services.urls[0]!;
  const browser = await launchBrowser();
  options.defer(() => browser.close());

  log("web page: weight and cold loads");
  const weight = await pageWeight(url);
  const coldMs: number[] = [];
  for (let i = 0; i < COLD_LOADS; i++) coldMs.push(await coldLoad(browser, url));

  log(`web page: ${TURNS} turns through the page, ${TURNS} through the SDK`);
  const { pageMs, apiMs, modes } = await enterToToken(browser, url);
  await browser.close();
  return report(weight, coldMs, pageMs, apiMs, modes.join(", "));
}

interface Weight {
  /** What index.html loads before the page can start. */
  initial: { files: number; gzipBytes: number; rawBytes: number };
  /** Every JS and CSS file of the build, the parts loaded later (Markdown, the inspector) included. */
  all: { files: number; gzipBytes: number; rawBytes: number };
}

async function pageWeight(url: string): Promise<Weight> {
  const html = await (await fetch(`${url}/`)).text();
  const initial = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]!));
  const files = (await readdir(path.join(ROOT, "dist", "web", "assets"))).filter((f) => /\.(js|css)$/.test(f));
  const weight: Weight = { initial: { files: 0, gzipBytes: 0, rawBytes: 0 }, all: { files: 0, gzipBytes: 0, rawBytes: 0 } };
  for (const file of files) {
    const { encoding, body } = await rawGet(`${url}/assets/${file}`);
    const raw = encoding === "gzip" ? gunzipSync(body).length : body.length;
    for (const sum of initial.has(file) ? [weight.initial, weight.all] : [weight.all]) {
      sum.files += 1;
      sum.gzipBytes += body.length;
      sum.rawBytes += raw;
    }
  }
  return weight;
}

/** The bytes as sent (fetch would undo the compression). */
function rawGet(url: string): Promise<{ encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { "accept-encoding": "gzip" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

const composer = (page: Page) => page.getByRole("textbox", { name: /message/i });

async function coldLoad(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const began = performance.now();
  await page.goto(url);
  await composer(page).waitFor({ state: "visible" });
  await page.waitForFunction(() => {
    const box = document.querySelector("textarea");
    return box !== null && !box.disabled;
  });
  const ms = performance.now() - began;
  await context.close();
  return ms;
}

async function enterToToken(browser: Browser, url: string): Promise<{ pageMs: number[]; apiMs: number[]; modes: StreamMode[] }> {
  const client = new Client({ apiUrl: url });
  const [pageThread, apiThread] = await Promise.all([client.threads.create(), client.threads.create()]);
  const context = await browser.newContext();
  const page = await context.newPage();
  // The reference asks for the stream modes the page asks for: the same server work per turn.
  let modes: StreamMode[] | undefined;
  page.on("request", (req) => {
    if (!modes && req.method() === "POST" && req.url().endsWith("/runs/stream")) modes = (req.postDataJSON() as { stream_mode: StreamMode[] }).stream_mode;
  });
  await page.goto(`${url}/#/t/${pageThread.thread_id}`);
  await composer(page).waitFor({ state: "visible" });
  const pageMs: number[] = [];
  const apiMs: number[] = [];
  for (let turn = 0; turn < TURNS; turn++) {
    // Each turn from an idle thread, as the reference's: the page lets you type once its stream ends,
    // a little before the service has recorded the run's end.
    await idle(client, pageThread.thread_id);
    pageMs.push(await pageTurn(page, turn));
    apiMs.push(await apiTurn(client, apiThread.thread_id, turn, modes!));
  }
  await context.close();
  return { pageMs, apiMs, modes: modes! };
}

async function pageTurn(page: Page, turn: number): Promise<number> {
  // The box is enabled again once the previous turn ended.
  await page.waitForFunction(() => !document.querySelector("textarea")?.disabled);
  const before = await page.evaluate((word) => document.body.textContent!.split(word).length - 1, FIRST_WORD);
  await composer(page).fill(`question ${turn}`);
  await page.evaluate(
    ({ word, before }) => {
      const w = window as unknown as { __bench: { enter?: number; painted?: Promise<number> } };
      w.__bench = {};
      document.addEventListener("keydown", (e) => void (e.key === "Enter" && (w.__bench.enter = performance.now())), { capture: true, once: true });
      w.__bench.painted = new Promise((resolve) => {
        const seen = new MutationObserver(() => {
          if (document.body.textContent!.split(word).length - 1 <= before) return;
          seen.disconnect();
          requestAnimationFrame(() => resolve(performance.now()));
        });
        seen.observe(document.body, { subtree: true, childList: true, characterData: true });
      });
    },
    { word: FIRST_WORD, before },
  );
  await composer(page).press("Enter");
  return page.evaluate(async () => {
    const w = window as unknown as { __bench: { enter: number; painted: Promise<number> } };
    return (await w.__bench.painted) - w.__bench.enter;
  });
}

async function idle(client: Client, threadId: string): Promise<void> {
  while ((await client.threads.get(threadId)).status !== "idle") await new Promise((resolve) => setTimeout(resolve, 20));
}

async function apiTurn(client: Client, threadId: string, turn: number, streamMode: StreamMode[]): Promise<number> {
  await idle(client, threadId);
  const began = performance.now();
  let first = NaN;
  for await (const part of client.runs.stream(threadId, "chat", { input: { messages: [{ role: "user", content: `question ${turn}` }] }, streamMode })) {
    if (Number.isNaN(first) && part.event === "messages" && JSON.stringify(part.data).includes(FIRST_WORD)) first = performance.now() - began;
  }
  return first;
}

const kib = (w: Weight["all"]) => `${w.files} files, ${(w.gzipBytes / 1024).toFixed(0)} KiB (${(w.rawBytes / 1024).toFixed(0)} KiB uncompressed)`;

function report(weight: Weight, coldMs: number[], pageMs: number[], apiMs: number[], modesShown: string): string {
  const p50 = (v: number[]) => percentile(v, 50).toFixed(1);
  const p95 = (v: number[]) => percentile(v, 95).toFixed(1);
  const added = pageMs.map((ms, i) => ms - apiMs[i]!);
  return [
    "",
    TITLE,
    "",
    `page weight, JS and CSS as sent (gzip): ${kib(weight.initial)} before the page starts; ${kib(weight.all)} in all, with the parts loaded beside it (Markdown, the inspector)`,
    "",
    table(
      ["what", "n", "p50 ms", "p95 ms"],
      [
        ["cold load: navigation -> composer accepts input", String(coldMs.length), p50(coldMs), p95(coldMs)],
        ["page: Enter -> first token painted", String(pageMs.length), p50(pageMs), p95(pageMs)],
        [`API: SDK runs.stream (${modesShown}) -> first token (reference)`, String(apiMs.length), p50(apiMs), p95(apiMs)],
        ["the page adds (turn by turn)", String(added.length), p50(added), p95(added)],
      ],
    ),
    "",
  ].join("\n");
}
