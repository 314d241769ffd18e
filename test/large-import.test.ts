import { afterEach, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "./helpers/test-service.js";

/** A head-branch export of `count` messages, user and assistant in turn. */
function exportOf(count: number, contentChars = 100) {
  return {
    thread: { graph_id: "chat", title: "a long one" },
    messages: Array.from({ length: count }, (_, i) => ({ id: `m${i}`, role: i % 2 ? "assistant" : "user", content: `message ${i} ${"z".repeat(contentChars)}` })),
  };
}

const post = (url: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/threads/import`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, duplex: "half" } as RequestInit);

describe("importing a large thread", () => {
  const services: TestService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
  });

  // 20,000 messages: /healthz is asked again and again during the import, and answers between the
  // batches in which the import writes its messages (the mirror is seen partly written).
  it("keeps answering /healthz while it imports 20,000 messages in batches", async () => {
    const t = await startTestService();
    services.push(t);
    const count = 20_000;
    const body = JSON.stringify(exportOf(count));
    let importing = true;
    let answers = 0;
    const partlyWritten = new Set<number>();
    const poll = (async () => {
      while (importing) {
        expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
        if (!importing) break;
        answers++;
        const written = Number((await t.db.pool.query("SELECT count(*) FROM messages")).rows[0].count);
        if (written > 0 && written < count) partlyWritten.add(written);
      }
    })();
    const res = await post(t.url, body);
    const imported = await res.json();
    importing = false;
    await poll;

    expect(res.status).toBe(201);
    expect(imported.message_count).toBe(count);
    expect(imported.messages).toHaveLength(count);
    expect(imported.messages.at(-1)).toMatchObject({ id: `m${count - 1}`, role: "assistant" });
    expect(answers).toBeGreaterThanOrEqual(20);
    expect(partlyWritten.size, "the messages were written in one piece").toBeGreaterThanOrEqual(3);
  }, 120_000);

  // Past IMPORT_MAX_BYTES (declared or streamed) or IMPORT_MAX_MESSAGES: a 413 problem document, no thread.
  it("answers 413 to an import over its limits, and makes no thread", async () => {
    const t = await startTestService({ env: { IMPORT_MAX_BYTES: "100000", IMPORT_MAX_MESSAGES: "100" } });
    services.push(t);
    const tooBig = JSON.stringify(exportOf(90, 2_000));
    expect(Buffer.byteLength(tooBig)).toBeGreaterThan(100_000);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < tooBig.length; i += 10_000) controller.enqueue(new TextEncoder().encode(tooBig.slice(i, i + 10_000)));
        controller.close();
      },
    });
    for (const [name, res] of [
      ["declared length", await post(t.url, tooBig)],
      ["chunked", await post(t.url, chunked)],
      ["too many messages", await post(t.url, JSON.stringify(exportOf(101, 10)))],
    ] as const) {
      expect({ name, status: res.status, type: res.headers.get("content-type") }).toEqual({ name, status: 413, type: "application/problem+json; charset=utf-8" });
      expect((await res.json()).detail).toMatch(/IMPORT_MAX_(BYTES|MESSAGES)/);
    }
    expect((await t.db.pool.query("SELECT count(*)::int AS n FROM threads")).rows[0].n).toBe(0);
    expect((await post(t.url, JSON.stringify(exportOf(100, 10)))).status).toBe(201);
  });
});
