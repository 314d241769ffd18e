import { describe, expect, it } from "vitest";
import { readSse, type SseMessage } from "./read-sse.js";

/** A body delivered in exactly these chunks, as the network may cut it. */
function body(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function read(stream: ReadableStream<Uint8Array>): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  for await (const message of readSse(stream)) messages.push(message);
  return messages;
}

describe("readSse", () => {
  it("reads threadloom's frames, skipping heartbeats and ids", async () => {
    const frames = 'event: start\nid: 1\ndata: {"type":"start"}\n\n: heartbeat\n\nevent: token\nid: 2\ndata: {"type":"token"}\n\n';
    expect(await read(body(frames))).toEqual([
      { event: "start", data: '{"type":"start"}' },
      { event: "token", data: '{"type":"token"}' },
    ]);
  });

  it("takes CRLF, CR and LF line endings, a CRLF cut between chunks, and a character cut between bytes", async () => {
    const euro = new TextEncoder().encode("data: €\n\n");
    const cutCharacter = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(euro.slice(0, 7));
        controller.enqueue(euro.slice(7));
        controller.close();
      },
    });
    expect(await read(body("event: a\r\ndata: 1\r", "\n\r\n", "event: b\rdata: 2\r\r", "data: x\ndata: y\n\n"))).toEqual([
      { event: "a", data: "1" },
      { event: "b", data: "2" },
      { event: "message", data: "x\ny" },
    ]);
    expect(await read(cutCharacter)).toEqual([{ event: "message", data: "€" }]);
  });

  it("drops an event the stream ended in the middle of", async () => {
    expect(await read(body("event: a\ndata: 1\n\nevent: b\ndata: 2\n"))).toEqual([{ event: "a", data: "1" }]);
  });
});
