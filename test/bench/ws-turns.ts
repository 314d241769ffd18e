import { once } from "node:events";
import type { Socket } from "node:net";
import WebSocket from "ws";
import type { Sample } from "./load.js";

/**
 * Turns over one WebSocket on `/api/ws`, kept open as the HTTP targets keep their connections: a
 * `chat` frame, TTFT at the first `token` frame, done at `end`. Wire bytes: what the socket read
 * for the turn (WebSocket framing included).
 */
export async function webSocketTurns(baseURL: string): Promise<{ turn(threadId?: string): Promise<Sample>; close(): void }> {
  const ws = new WebSocket(`${baseURL.replace(/^http/, "ws")}/api/ws`);
  await once(ws, "open");
  const socket = (ws as unknown as { _socket: Socket })._socket;
  let key = 0;
  let onFrame: ((frame: { type: string; thread_id?: string; message?: string }, bytes: number) => void) | undefined;
  ws.on("message", (data: Buffer) => onFrame?.(JSON.parse(String(data)), data.length));
  return {
    turn(threadId) {
      const k = ++key;
      const sentAt = Date.now();
      const started = performance.now();
      const before = socket.bytesRead;
      let ttftMs: number | undefined;
      let tokens = 0;
      let bodyBytes = 0;
      return new Promise<Sample>((resolve, reject) => {
        onFrame = (frame, bytes) => {
          bodyBytes += bytes;
          if (frame.type === "token") {
            tokens++;
            ttftMs ??= performance.now() - started;
          } else if (frame.type === "error") {
            reject(new Error(`websocket turn failed: ${frame.message}`));
          } else if (frame.type === "end") {
            resolve({
              key: k, sentAt, ttftMs: ttftMs ?? NaN, turnMs: performance.now() - started, bodyBytes,
              wireBytes: socket.bytesRead - before, tokens, threadId: frame.thread_id,
            });
          }
        };
        ws.send(JSON.stringify({ type: "chat", message: `Say something. [${k}]`, ...(threadId ? { thread_id: threadId } : {}) }));
      });
    },
    close: () => ws.close(),
  };
}
