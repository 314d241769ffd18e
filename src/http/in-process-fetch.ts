import http from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { type Caller, markConnection, withoutCaller } from "./caller.js";
import { socketPair } from "./socket-pair.js";

/**
 * An HTTP server that never listens: `inProcessFetch` hands it its requests over in-memory
 * connections. Its handler runs outside any caller (see `withoutCaller`): a request carries its
 * caller on its connection, never in the async context it happened to be started from.
 */
export function inProcessServer(handler: http.RequestListener): http.Server {
  // No request timeout: nothing slow-loris can reach this server, and a stream may last hours.
  return http.createServer({ requestTimeout: 0 }, (req, res) => withoutCaller(() => handler(req, res)));
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
/** Headers about one connection, not the message: the in-memory one's are not passed on. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"]);

/**
 * Sends `request` to `server` in this process, as real HTTP over an in-memory connection, and
 * resolves with its response as soon as the headers are in (the body streams). `caller`, if given,
 * marks the connection: the service's authentication takes it as already authenticated. Aborting
 * the request's signal, or cancelling the response body, cuts the connection (the server sees a
 * client that left).
 */
export function inProcessFetch(server: http.Server, request: Request, caller?: Caller): Promise<Response> {
  const [client, end] = socketPair();
  if (caller) markConnection(end, caller);
  withoutCaller(() => server.emit("connection", end));
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) headers[name] = value;
  });
  // Node's client chunks a body of unknown length by itself only for some methods (not DELETE or
  // OPTIONS): sent raw, the server could not tell where it ends, and would cut the connection.
  if (request.body && headers["content-length"] === undefined) headers["transfer-encoding"] = "chunked";
  return new Promise((resolve, reject) => {
    const req = http.request(
      { method: request.method, path: `${url.pathname}${url.search}`, headers, createConnection: () => client as never, signal: request.signal },
      (res) => {
        const shown = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          if (!HOP_BY_HOP.has(res.rawHeaders[i]!.toLowerCase())) shown.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        }
        const status = res.statusCode ?? 502;
        const noBody = request.method === "HEAD" || NULL_BODY_STATUS.has(status);
        if (noBody) res.resume();
        const body = noBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
        resolve(new Response(body, { status, statusText: res.statusMessage, headers: shown }));
      },
    );
    req.on("error", (err) => {
      client.destroy();
      reject(err);
    });
    if (request.body) {
      Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>)
        .on("error", (err) => req.destroy(err))
        .pipe(req);
    } else {
      req.end();
    }
  });
}
