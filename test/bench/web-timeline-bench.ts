/**
 * The bench's web part: how fast the inspector's timeline paints on a 1,500-checkpoint thread.
 * The thread is built through the real service (in this process, a no-delay mock model), then
 * Chromium (playwright-core, the browser tests' flags) opens the page on it. Two figures, each against the history endpoint's own latency in the same run:
 * - cold: a fresh page load on `#/t/<id>` until the first page of rows is painted (the inspector's
 *   `performance.mark`), i.e. HTML, JS, the thread and the first history page;
 * - switch: from the hash change that opens the thread in a loaded page until its rows are painted.
 * BENCH_WEB_EXPLAIN=1 also logs the history query's EXPLAIN ANALYZE on that thread.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { createService } from "../../src/create-service.js";
import { TIMELINE_PAINTED_MARK } from "../../src/web/inspector/timeline-mark.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser } from "../e2e/browser.js";
import { startMockOpenAI } from "../helpers/mock-openai.js";
import { percentile } from "./report.js";

/** Checkpoints written by one bulk update, then by single updates, then chat turns (3 checkpoints each). */
const BULK = 1000;
const UPDATES = 350;
const TURNS = 50;
const REPEATS = 15;
const TITLE = "### The inspector's timeline on a long thread (test/bench/web-timeline-bench.ts)";

export interface WebBenchOptions {
  db: { url: string };
  log(message: string): void;
}

export async function benchWebTimeline({ db, log }: WebBenchOptions): Promise<string> {
  if (browserSkipReason) return `\n${TITLE}\n\nskipped: ${browserSkipReason}\n`;
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  ensureWebBuilt();
  log(`web: page built (${since()})`);
  const mock = await startMockOpenAI({ text: "a short answer" });
  const config = loadConfig({ DATABASE_URL: db.url, OPENAI_BASE_URL: mock.baseURL, OPENAI_API_KEY: "bench", OPENAI_MODEL: "mock-model", LOG_LEVEL: "silent" });
  const service = await createService(config, pino({ level: "silent" }));
  const server = http.createServer(service.app).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchBrowser();
  try {
    // The older 1,350 checkpoints are empty state updates (1,000 in one bulk request, then single
    // ones): written fast, since rewriting a growing message list 1,350 times takes minutes here.
    // The newest 150 are real chat turns (input, loop steps with their writers, messages), which is
    // what the first page shows; a keyset page never reads the rows below it.
    log(`web: building a ${BULK + UPDATES + 3 * TURNS}-checkpoint thread`);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res;
    };
    const created = (await (await post("/threads", { metadata: { graph_id: "chat" }, supersteps: Array.from({ length: BULK }, () => ({ updates: [{ values: null }] })) })).json()) as { thread_id: string };
    const threadId = created.thread_id;
    log(`web: bulk update done (${since()})`);
    for (let i = 0; i < UPDATES; i++) await post(`/threads/${threadId}/state`, { values: null });
    log(`web: single updates done (${since()})`);
    for (let i = 0; i < TURNS; i++) await (await post("/api/chat", { message: `turn ${i + 1}`, thread_id: threadId })).text();
    log(`web: chat turns done (${since()})`);
    const firstPage = `/api/threads/${threadId}/history?limit=50`;
    let checkpoints = 0;
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = (await (await fetch(`${url}/api/threads/${threadId}/history?limit=200${cursor ? `&cursor=${cursor}` : ""}`)).json()) as { checkpoints: unknown[]; next_cursor: string | null };
      checkpoints += page.checkpoints.length;
      cursor = page.next_cursor;
    }

    log(`web: ${checkpoints} checkpoints; the history endpoint, then the page`);
    if (process.env.BENCH_WEB_EXPLAIN) {
      const { LIST_CHECKPOINTS } = await import("../../src/conversations/history-sql.js");
      const pool = new (await import("pg")).default.Pool({ connectionString: db.url });
      const plan = await pool.query(`EXPLAIN ANALYZE ${LIST_CHECKPOINTS}`, [threadId, null, 51]);
      log(plan.rows.map((r) => r["QUERY PLAN"]).join("\n"));
      await pool.end();
    }
    const endpoint: number[] = [];
    for (let i = 0; i < REPEATS + 3; i++) {
      const started = performance.now();
      await (await fetch(`${url}${firstPage}`)).text();
      if (i >= 3) endpoint.push(performance.now() - started);
    }

    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    const painted = () => page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, TIMELINE_PAINTED_MARK, { polling: "raf" });
    const cold: number[] = [];
    const coldHistory: number[] = [];
    for (let i = 0; i < REPEATS + 1; i++) {
      await page.goto(`${url}/#/t/${threadId}`);
      await painted();
      const { at, history } = await page.evaluate((mark) => ({
        at: performance.getEntriesByName(mark)[0]!.startTime,
        history: (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).find((r) => r.name.includes("/history?"))?.duration ?? NaN,
      }), TIMELINE_PAINTED_MARK);
      if (i > 0) (cold.push(at), coldHistory.push(history)); // the first load fills the browser's caches
      await page.goto("about:blank");
    }
    const rows = await page.goto(`${url}/#/t/${threadId}`).then(() => painted()).then(() => page.getByRole("list", { name: "Checkpoints" }).getByRole("button", { name: /^Step / }).count());
    const switched: number[] = [];
    const switchedArrived: number[] = [];
    await page.goto(`${url}/#/`);
    await page.getByRole("link", { name: "threadloom" }).waitFor();
    for (let i = 0; i < REPEATS + 1; i++) {
      const { ms, arrived } = await page.evaluate(async ({ mark, id }) => {
        performance.clearMarks(mark);
        performance.clearResourceTimings();
        const started = performance.now();
        location.hash = `#/t/${id}`;
        while (performance.getEntriesByName(mark).length === 0) await new Promise((r) => requestAnimationFrame(r));
        const history = (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).find((r) => r.name.includes("/history?"));
        return { ms: performance.getEntriesByName(mark)[0]!.startTime - started, arrived: history ? history.responseEnd - started : NaN };
      }, { mark: TIMELINE_PAINTED_MARK, id: threadId });
      if (i > 0) (switched.push(ms), switchedArrived.push(arrived));
      await page.evaluate(() => (location.hash = "#/"));
      await page.getByText("Open a thread to inspect").waitFor();
    }
    await context.close();

    const line = (name: string, xs: number[]) => `| ${name} | ${percentile(xs, 50).toFixed(1)} | ${percentile(xs, 95).toFixed(1)} | ${xs.length} |`;
    return [
      "",
      TITLE,
      "",
      `${checkpoints} checkpoints (the newest ${3 * TURNS} from ${TURNS} chat turns); the first page shows ${rows} rows (more load on scroll). Chromium headless, 1360×860.`,
      "",
      "| from … to the first page of rows painted | p50 ms | p95 ms | n |",
      "|:--|--:|--:|--:|",
      line("cold page load on #/t/<id> (navigation start)", cold),
      line("switch to the thread in a loaded page (hash change)", switched),
      line("reference: GET history?limit=50 from node", endpoint),
      line("reference: the same request inside the cold loads (resource timing)", coldHistory.filter(Number.isFinite)),
      line("reference: hash change to the history page's last byte, in the switch", switchedArrived.filter(Number.isFinite)),
      "",
    ].join("\n");
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
    server.closeAllConnections();
    await service.close(0);
    await mock.close();
  }
}
