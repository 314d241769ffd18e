import http from "node:http";
import type { Duplex } from "node:stream";

/**
 * Answers a request Node's HTTP parser refused before the app saw it (a request line and headers over
 * the 16 KiB Node reads, bytes that are not HTTP) as the app answers bad input: application/problem+json,
 * naming what was wrong. Node's own answer is a bare status line.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const response = (socket as { _httpMessage?: http.ServerResponse })._httpMessage;
  // Gone, or a response already under way on this connection: there is no one to tell.
  if (err.code === "ECONNRESET" || !socket.writable || response?.headersSent) return void socket.destroy();
  const [status, problem] = answer(err.code);
  const body = JSON.stringify({ type: `about:blank#${status === 408 ? "timeout" : "invalid_request"}`, title: http.STATUS_CODES[status], status, ...problem });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function answer(code: string | undefined): [number, { detail: string; invalid_params?: { name: string; reason: string }[] }] {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return [431, { detail: `The request line and headers together are larger than this service reads (${http.maxHeaderSize} bytes).`, invalid_params: [{ name: "headers", reason: `request line and headers over ${http.maxHeaderSize} bytes` }] }];
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return [408, { detail: "The request did not arrive in time." }];
    default:
      return [400, { detail: `The request is not valid HTTP (${code ?? "unreadable"}).`, invalid_params: [{ name: "request", reason: code ?? "unreadable" }] }];
  }
}
