/**
 * One concurrency-1 native turn, statement by statement and millisecond by millisecond (issue 15):
 *
 *   node --import tsx test/bench/turn-trace.ts [turns=20] [shown=3] [--agent]
 *
 * A durable embedded PostgreSQL of its own, the bench's mock model and the service (with
 * turn-trace-probe.ts preloaded) in processes of their own; one thread of `turns` turns, one after
 * another (native POST /api/chat, or with `--agent` the Agent Server API's runs.stream through the
 * SDK); prints the last `shown` turns' timelines (ms from the request's start).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { Client as SdkClient } from "@langchain/langgraph-sdk";
import pg from "pg";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { chatStream } from "./chat-stream-client.js";
import { spawnTs, waitForHttp, waitForLine, freePort } from "./processes.js";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const TURNS = Number(positional[0] ?? 20);
const SHOWN = Number(positional[1] ?? 3);
const AGENT = process.argv.includes("--agent");
const tempDir = await mkdtemp(path.join(os.tmpdir(), "turn-trace-"));
const db = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pg") });
const model = spawnTs("mock model", "test/bench/mock-model-server.ts", ["32", "2"]);
try {
  const { url: modelURL } = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line) as { url: string }) : undefined));
  const port = await freePort();
  const service = spawnTs("service", "src/main.ts", [], {
    preload: fileURLToPath(new URL("./turn-trace-probe.ts", import.meta.url)),
    env: { DATABASE_URL: db.url, DATA_DIR: path.join(tempDir, "data"), OPENAI_BASE_URL: modelURL, OPENAI_API_KEY: "bench", OPENAI_MODEL: "mock-model",
      OPENAI_MAX_RETRIES: "0", TRACE_READ_FILE: process.env.TRACE_READ_FILE ?? "", TRACE_PROF_DIR: process.env.TRACE_PROF_DIR ?? "", HOST: "127.0.0.1", PORT: String(port), API_KEYS: "", LOG_LEVEL: "warn", NODE_ENV: "production" },
  });
  const traces: string[] = [];
  service.proc.stdout!.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.startsWith("TURN_TRACE ")) traces.push(line.slice(11));
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(service, `${base}/readyz`);
    // Warm-up thread, then the measured one.
    const sdk = new SdkClient({ apiUrl: base });
    for (const turns of [5, TURNS]) {
      let threadId: string | undefined;
      if (AGENT) threadId = (await sdk.threads.create()).thread_id;
      for (let k = 1; k <= turns && AGENT; k++) {
        const stream = sdk.runs.stream(threadId!, "chat", { input: { messages: [{ role: "user", content: `Say something. (turn ${k})` }] }, streamMode: ["values", "messages-tuple"] });
        for await (const { event, data } of stream) if (event === "error") throw new Error(`agent turn ${k}: ${JSON.stringify(data)}`);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      for (let k = 1; k <= turns && !AGENT; k++) {
        const r = await chatStream(base, { message: `Say something. (turn ${k})`, ...(threadId ? { thread_id: threadId } : {}) });
        if (r.failure) throw new Error(`turn ${k}: ${r.failure}`);
        threadId = r.threadId;
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    }
    if (process.env.TRACE_READ_FILE) {
      const { text, values } = JSON.parse(readFileSync(process.env.TRACE_READ_FILE, "utf8")) as { text: string; values: unknown[] };
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      for (let i = 0; i < 3; i++) {
        const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
        if (i === 2) console.log(rows.map((r) => r["QUERY PLAN"]).join("\n"));
      }
      // The same read as an unnamed statement (planned every time) and as a named one, alternating.
      const times: Record<string, number[]> = { unnamed: [], named: [] };
      for (let i = 0; i < 200; i++) {
        for (const kind of i % 2 ? ["unnamed", "named"] : ["named", "unnamed"]) {
          const t0 = performance.now();
          await client.query(kind === "named" ? { name: "trace_read", text, values } : { text, values });
          times[kind].push(performance.now() - t0);
        }
      }
      const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1].toFixed(3);
      console.log(`read round trip, median of 200: unnamed ${med(times.unnamed)} ms, named ${med(times.named)} ms`);
      await client.end();
    }
    for (const trace of traces.slice(-SHOWN)) {
      console.log("---- turn");
      for (const m of JSON.parse(trace) as { at: number; what: string; end?: number }[]) {
        console.log(`${m.at.toFixed(2).padStart(8)} ${m.end !== undefined ? `→${m.end.toFixed(2).padStart(8)} (${(m.end - m.at).toFixed(2).padStart(6)})` : " ".repeat(19)} ${m.what}`);
      }
    }
  } finally {
    await service.stop();
  }
} finally {
  await model.stop();
  await db.stop();
  await rm(tempDir, { recursive: true, force: true });
}
