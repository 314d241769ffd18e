/**
 * The bench's schemas part: GET /assistants/:id/schemas for the repository's graphs (chat and draft,
 * Annotation graphs whose schemas come from their TypeScript types). threadloom started with an
 * empty SCHEMA_CACHE_DIR (its worker reads the types at start-up; the first request waits for it),
 * then again on the filled cache; `langgraphjs dev` (which reads a graph's types on its first
 * request, then keeps them in memory) serving the same graphs. Times are from the first 200 of
 * /ok to each answer; CPU is the server process's, worker threads included.
 */
import { mkdtemp } from "node:fs/promises";
import path from "node:path";
import type { BenchDatabase } from "./bench-database.js";
import { CLI_INSTALL_HINT, cliVersions, findLangGraphCli, startLangGraphCli } from "./langgraph-cli-server.js";
import { cpuMs, spawnTs, waitForLine } from "./processes.js";
import { percentile, table } from "./report.js";
import { startServices } from "./services.js";

const GRAPHS = ["chat", "draft"];
/** Repeated requests once the schemas are known, per graph. */
const REPEATS = 20;
const TITLE = "### GET /assistants/:id/schemas of Annotation graphs (test/bench/schema-bench.ts)";

export interface SchemaBenchOptions {
  db: BenchDatabase;
  tempDir: string;
  log(message: string): void;
  defer(step: () => Promise<unknown>): void;
}

interface Figures {
  server: string;
  /** From the server's first /ok to each graph's first typed answer, in order. */
  firstMs: number[];
  /** The repeated requests after that. */
  repeatMs: number[];
  cpuMs: number;
  /** The server process's peak resident memory (the worker's heap is in it). */
  peakMiB: number;
}

export async function benchSchemas(options: SchemaBenchOptions): Promise<string> {
  const { log } = options;
  const model = spawnTs("schemas mock model", "test/bench/mock-model-server.ts", ["4", "0"]);
  options.defer(() => model.stop());
  const modelURL = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line).url as string) : undefined));
  const cacheDir = await mkdtemp(path.join(options.tempDir, "schema-cache-"));
  const rows: Figures[] = [];
  for (const label of ["threadloom, empty cache", "threadloom, filled cache"]) {
    log(`schemas: ${label}`);
    const services = await startServices({ db: options.db, modelURL, tempDir: options.tempDir, replicas: 1, poolMax: 5, env: { SCHEMA_CACHE_DIR: cacheDir, SCHEMA_WAIT_MS: "600000" } });
    try {
      const child = services.children[0]!;
      const figures = await measure(services.urls[0]!, () => cpuMs(child.pid)).catch((err) => Promise.reject(new Error(`${err.message}\n${child.tail()}`)));
      rows.push({ server: label, ...figures, peakMiB: services.memoryMiB().peak });
    } finally {
      await services.stop();
    }
  }
  const bin = findLangGraphCli();
  let cli = `langgraphjs dev: skipped, the LangGraph CLI is not installed; ${CLI_INSTALL_HINT}`;
  if (bin) {
    log("schemas: langgraphjs dev");
    // Its worker gives up after 30 s by default, less than a busy machine may take.
    process.env.LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS ??= "600000";
    const server = await startLangGraphCli({ bin, modelURL, tempDir: options.tempDir, jobs: 1 });
    try {
      const figures = await measure(server.url, () => server.cpuMs());
      rows.push({ server: `langgraphjs dev (${cliVersions(bin)})`, ...figures, peakMiB: server.memoryMiB().peak });
      cli = "";
    } finally {
      await server.stop();
    }
  }
  return report(rows, cli);
}

async function measure(url: string, cpu: () => number): Promise<Omit<Figures, "server" | "peakMiB">> {
  const cpuBefore = cpu();
  const began = performance.now();
  const firstMs: number[] = [];
  for (const graph of GRAPHS) {
    await getTyped(`${url}/assistants/${graph}/schemas`);
    firstMs.push(performance.now() - began);
  }
  const repeatMs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    for (const graph of GRAPHS) {
      const t0 = performance.now();
      await getTyped(`${url}/assistants/${graph}/schemas`);
      repeatMs.push(performance.now() - t0);
    }
  }
  return { firstMs, repeatMs, cpuMs: cpu() - cpuBefore };
}

/** The schemas, which must be typed (read from the types: they have definitions), not merely named. */
async function getTyped(url: string): Promise<void> {
  const res = await fetch(url);
  const body = (await res.json()) as { state_schema?: { definitions?: object } };
  if (res.status !== 200 || !body.state_schema?.definitions) throw new Error(`${url}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
}

function report(rows: Figures[], note: string): string {
  const ms = (n: number) => n.toFixed(0);
  const lines = rows.map((r) => [
    r.server,
    ...r.firstMs.map(ms),
    percentile(r.repeatMs, 50).toFixed(1),
    Math.max(...r.repeatMs).toFixed(1),
    ms(r.cpuMs),
    ms(r.peakMiB),
  ]);
  const ratio = (a: Figures | undefined, b: Figures | undefined) => (a && b ? `${(b.firstMs.at(-1)! / a.firstMs.at(-1)!).toFixed(1)}x` : "n/a");
  const [cold, warm, reference] = rows;
  return [
    "",
    TITLE,
    "",
    `Each server started, then asked for ${GRAPHS.join(" and ")} once each (time from its first /ok), then ${REPEATS} times more each.`,
    "",
    table(["server", ...GRAPHS.map((g) => `${g} first ms`), "repeat p50 ms", "repeat max ms", "server CPU ms", "server peak RSS MiB"], lines),
    "",
    reference ? `langgraphjs dev / threadloom, time to both first answers: ${ratio(cold, reference)} (empty cache), ${ratio(warm, reference)} (filled cache)` : note,
    "",
  ].join("\n");
}
