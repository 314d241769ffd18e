import http from "node:http";
import { describe, expect, it } from "vitest";
import { asCaller, currentCaller, markedCaller } from "./caller.js";
import { inProcessFetch, inProcessServer } from "./in-process-fetch.js";

const ALICE = { owner: { tenantId: "acme", userId: "alice" } };

describe("inProcessFetch", () => {
  it("is real HTTP: method, path, headers and body arrive, the answer comes back without the connection's own headers", async () => {
    const server = inProcessServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => res.writeHead(201, { "content-type": "application/json", "x-seen": `${req.method} ${req.url} ${req.headers["x-token"]}` }).end(JSON.stringify({ body })));
    });
    const res = await inProcessFetch(server, new Request("http://localhost/things?a=1", { method: "POST", headers: { "x-token": "t", connection: "keep-alive" }, body: "hello" }));
    expect([res.status, res.headers.get("x-seen"), res.headers.get("connection"), await res.json()]).toEqual([201, "POST /things?a=1 t", null, { body: "hello" }]);
  });

  // Node's client chunks a body of unknown length by itself for POST and PUT, not for DELETE (the
  // store's DELETE /store/items has a JSON body): it must arrive whole, and the connection stay sound.
  it.each(["DELETE", "OPTIONS", "PATCH", "PUT"])("delivers the body of a %s whose length it was not told", async (method) => {
    const server = inProcessServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: req.method, body })));
    });
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('{"key":"k"}')), c.close()) });
    const res = await inProcessFetch(server, new Request("http://localhost/store/items", { method, body: stream, duplex: "half" } as RequestInit));
    expect([res.status, await res.json()]).toEqual([200, { method, body: '{"key":"k"}' }]);
  });

  it("marks the connection with the caller, which no client of a real socket can do, and runs the handler outside any caller", async () => {
    const seen: unknown[] = [];
    const handler: http.RequestListener = (req, res) => {
      seen.push([markedCaller(req)?.owner ?? null, currentCaller() ?? null]);
      res.end();
    };
    const server = inProcessServer(handler);
    await asCaller(ALICE, async () => (await inProcessFetch(server, new Request("http://localhost/"), ALICE)).text());
    await asCaller(ALICE, async () => (await inProcessFetch(server, new Request("http://localhost/"))).text());
    const real = http.createServer(handler);
    await new Promise<void>((resolve) => real.listen(0, "127.0.0.1", resolve));
    await (await fetch(`http://127.0.0.1:${(real.address() as { port: number }).port}/`)).text();
    await new Promise((resolve) => real.close(resolve));
    expect(seen).toEqual([[ALICE.owner, null], [null, null], [null, null]]);
  });

  it("streams the answer as it is written, and a reader that leaves closes the server's side", async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => (closed = resolve));
    const server = inProcessServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
      res.on("close", closed);
    });
    const leave = new AbortController();
    const res = await inProcessFetch(server, new Request("http://localhost/stream", { signal: leave.signal }));
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: 1\n\n");
    leave.abort();
    await serverSawClose;
  });
});
