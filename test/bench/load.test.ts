/**
 * The load generator's virtual users hold a thread for `turnsPerThread` turns, as users chat: checked
 * against a real HTTP server that answers like /api/chat (SSE, X-Thread-Id) and records what it got.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad, serviceTarget } from "./load.js";

let server: http.Server;
let baseURL: string;
/** thread id -> the turns it got, in order of arrival. */
const turnsByThread = new Map<string, number>();
let created = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const { thread_id: given } = JSON.parse(body) as { thread_id?: string };
      const threadId = given ?? `t${++created}`;
      turnsByThread.set(threadId, (turnsByThread.get(threadId) ?? 0) + 1);
      res.writeHead(200, { "content-type": "text/event-stream", "x-thread-id": threadId });
      // Late, so that the workers' turns overlap as they do against the service.
      setTimeout(() => res.end('event: token\ndata: {"type":"token","content":"hi"}\n\nevent: end\ndata: {}\n\n'), 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("runLoad", () => {
  it("sends each virtual user's turns on its own thread, a new one every turnsPerThread turns", async () => {
    turnsByThread.clear();
    created = 0;
    const target = serviceTarget([baseURL], 3);
    const { samples } = await runLoad(target, 3, 23, 4);
    target.agent.destroy();
    expect(samples).toHaveLength(23);
    // 3 users: 23 turns cannot fill whole threads of 4, so some hold fewer; none holds more.
    expect([...turnsByThread.values()].every((n) => n >= 1 && n <= 4)).toBe(true);
    expect([...turnsByThread.values()].reduce((a, b) => a + b, 0)).toBe(23);
    expect(created).toBeGreaterThanOrEqual(Math.ceil(23 / 4));
    expect(created).toBeLessThanOrEqual(Math.ceil(23 / 4) + 3);
  });

  it("starts a new thread every turn with turnsPerThread 1", async () => {
    turnsByThread.clear();
    created = 0;
    const target = serviceTarget([baseURL], 2);
    await runLoad(target, 2, 10, 1);
    target.agent.destroy();
    expect(created).toBe(10);
    expect([...turnsByThread.values()].every((n) => n === 1)).toBe(true);
  });
});
