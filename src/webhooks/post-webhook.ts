import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { PinnedAddress } from "../net/resolve-host.js";

/** What the receiver answered: its status and the start of its body (for the log). */
export interface WebhookAnswer {
  status: number;
  body: string;
  location?: string;
}

/** How much of a receiver's answer is read; the rest is not waited for. */
export const MAX_ANSWER_BYTES = 16_384;

/**
 * POSTs `body` (JSON) to `url`, connecting to `pinned` only (the address the host was checked at),
 * with TLS still checked against the URL's host name. No redirect is followed; `signal` bounds the
 * whole exchange (the caller's timeout), and at most MAX_ANSWER_BYTES of the answer are read.
 */
export function postWebhook(url: URL, pinned: PinnedAddress, body: string, signal: AbortSignal): Promise<WebhookAnswer> {
  const lookup: LookupFunction = (_host, options, callback) => {
    if (options.all) (callback as unknown as (err: null, addresses: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const request = url.protocol === "https:" ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "threadloom-webhook" },
        lookup,
        agent: false,
        signal,
      },
      (res) => {
        readAnswer(res).then((text) => resolve({ status: res.statusCode ?? 0, body: text, location: res.headers.location }), reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The start of a body: up to MAX_ANSWER_BYTES, then the stream is let go. */
export async function readAnswer(stream: AsyncIterable<Uint8Array> & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= MAX_ANSWER_BYTES) {
      stream.destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString("utf8");
}
