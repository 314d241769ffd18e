/**
 * History and export of a long thread: a thread of N turns is built through the real service (in
 * this process, against a no-delay mock model), then listed and exported through the API and read
 * the same way through LangGraph (`getStateHistory`, `getState`) on the same database.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { createService } from "../../src/create-service.js";
import { startMockOpenAI } from "../helpers/mock-openai.js";

export interface HistoryFigures {
  turns: number;
  checkpoints: number;
  messages: number;
  rows: { name: string; ms: number; items: number; bytes?: number }[];
}

export async function benchHistory(databaseUrl: string, turns: number, log: (line: string) => void, full = false): Promise<HistoryFigures> {
  const mock = await startMockOpenAI({ text: "a short answer of a few words" });
  const config = loadConfig({ DATABASE_URL: databaseUrl, OPENAI_BASE_URL: mock.baseURL, OPENAI_API_KEY: "bench", OPENAI_MODEL: "mock-model", LOG_LEVEL: "silent" });
  const service = await createService(config, pino({ level: "silent" }));
  const server = http.createServer(service.app).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    log(`history: building a ${turns}-turn thread`);
    let threadId: string | undefined;
    for (let i = 0; i < turns; i++) {
      const res = await fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: `turn ${i + 1}`, ...(threadId ? { thread_id: threadId } : {}) }) });
      threadId ??= res.headers.get("x-thread-id")!;
      await res.text();
    }
    const rows: HistoryFigures["rows"] = [];
    const time = async <T>(name: string, fn: () => Promise<{ items: number; bytes?: number; value?: T }>) => {
      const started = performance.now();
      const out = await fn();
      rows.push({ name, ms: performance.now() - started, items: out.items, bytes: out.bytes });
    };
    const get = async (path: string) => {
      const body = await (await fetch(`${url}${path}`)).text();
      return { body, bytes: Buffer.byteLength(body) };
    };
    await get(`/api/threads/${threadId}/history?limit=50`); // warm

    log("history: listing and exporting");
    await time("API: first history page (50 checkpoints)", async () => {
      const { body, bytes } = await get(`/api/threads/${threadId}/history?limit=50`);
      return { items: JSON.parse(body).checkpoints.length, bytes };
    });
    let checkpoints = 0;
    await time("API: whole history (pages of 200)", async () => {
      let cursor: string | null = null;
      let bytes = 0;
      checkpoints = 0;
      do {
        const page = await get(`/api/threads/${threadId}/history?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
        const json = JSON.parse(page.body);
        checkpoints += json.checkpoints.length;
        bytes += page.bytes;
        cursor = json.next_cursor;
      } while (cursor);
      return { items: checkpoints, bytes };
    });
    const graph = await service.graphs.get("chat");
    await time("API: history page of 200", async () => {
      const { body, bytes } = await get(`/api/threads/${threadId}/history?limit=200`);
      return { items: JSON.parse(body).checkpoints.length, bytes };
    });
    const stateHistory = async (limit?: number) => {
      let n = 0;
      for await (const _ of graph.getStateHistory({ configurable: { thread_id: threadId } }, limit ? { limit } : undefined)) n++;
      return { items: n };
    };
    await time("LangGraph: getStateHistory, first 50", () => stateHistory(50));
    await time("LangGraph: getStateHistory, first 200", () => stateHistory(200));
    // It decodes every checkpoint's whole message list: minutes on a thread this long, so opt-in.
    if (full) await time("LangGraph: whole getStateHistory", () => stateHistory());
    let messages = 0;
    await time("API: export json (head branch)", async () => {
      const { body, bytes } = await get(`/api/threads/${threadId}/export?format=json`);
      messages = JSON.parse(body).messages.length;
      return { items: messages, bytes };
    });
    await time("API: export json, all branches", async () => {
      const { body, bytes } = await get(`/api/threads/${threadId}/export?format=json&branches=all`);
      return { items: JSON.parse(body).messages.length, bytes };
    });
    await time("API: export markdown", async () => {
      const { body, bytes } = await get(`/api/threads/${threadId}/export?format=markdown`);
      return { items: body.split("\n## ").length - 1, bytes };
    });
    await time("LangGraph: getState (head messages)", async () => {
      const state = await graph.getState({ configurable: { thread_id: threadId } });
      return { items: state.values.messages.length };
    });
    return { turns, checkpoints, messages, rows };
  } finally {
    await new Promise((r) => server.close(r));
    server.closeAllConnections();
    await service.close(0);
    await mock.close();
  }
}

export function historyTable(f: HistoryFigures): string {
  const lines = [
    `${f.turns} turns, ${f.checkpoints} checkpoints, ${f.messages} messages on the head branch`,
    "",
    "| read | ms | rows | bytes |",
    "|:-----|---:|-----:|------:|",
    ...f.rows.map((r) => `| ${r.name} | ${r.ms.toFixed(1)} | ${r.items} | ${r.bytes ?? "-"} |`),
  ];
  return lines.join("\n");
}
