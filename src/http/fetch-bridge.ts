import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { AppError } from "../errors.js";
import { drained } from "./drained.js";

/**
 * A Node request as a Fetch API Request, for an app written against that API (Hono): its method,
 * URL (under its own Host) and headers, and its body as a stream not read yet. `signal` aborts when
 * the client leaves.
 */
export function toFetchRequest(req: IncomingMessage, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const target = req.url ?? "/";
  let url: URL;
  try {
    url = new URL(target.startsWith("/") ? `http://${req.headers.host ?? "localhost"}${target}` : target);
  } catch {
    url = new URL(target.startsWith("/") ? target : "/", "http://localhost");
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  try {
    return new Request(url, {
      method, headers, signal,
      ...(hasBody ? { body: Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>, duplex: "half" } : {}),
    } as RequestInit);
  } catch {
    // TRACE, CONNECT, TRACK: the Fetch API refuses them, and no route serves them.
    throw new AppError("invalid_request", `The method ${method} is not served here.`);
  }
}

/**
 * Writes a Fetch API Response to a Node response: status, headers (each Set-Cookie apart), then the
 * body as it comes, each chunk sent when it arrives (a stream streams) and no faster than the client
 * reads. A client that leaves cancels the body.
 */
export async function sendFetchResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  res.on("close", cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      if (res.destroyed) return;
    }
    res.end();
  } catch {
    // The body failed midway: the client sees a cut response, never a second status.
    res.destroy();
  } finally {
    res.off("close", cancel);
  }
}
