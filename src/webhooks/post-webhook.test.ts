import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ANSWER_BYTES, postWebhook } from "./post-webhook.js";

// A real receiver on this machine, reached under names DNS does not know: only the pinned address
// can have taken the request there.
describe("postWebhook", () => {
  let server: http.Server;
  let port: number;
  const seen: { host?: string; type?: string; body: string }[] = [];
  const LOCAL = { address: "127.0.0.1", family: 4 as const };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ host: req.headers.host, type: req.headers["content-type"], body });
        if (req.url === "/moved") return void res.writeHead(302, { location: "http://127.0.0.1/elsewhere" }).end();
        if (req.url === "/silent") return;
        if (req.url === "/endless") {
          res.writeHead(200, { "content-type": "text/plain" });
          const more = () => res.write("x".repeat(4096), () => setImmediate(more));
          return more();
        }
        res.writeHead(202, { "content-type": "text/plain" }).end("thanks");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("connects to the pinned address whatever the name, and names the host the URL names", async () => {
    const answer = await postWebhook(new URL(`http://hooks.rebinding.invalid:${port}/run`), LOCAL, '{"run_id":"r"}', AbortSignal.timeout(5_000));
    expect(answer).toEqual({ status: 202, body: "thanks", location: undefined });
    expect(seen.at(-1)).toEqual({ host: `hooks.rebinding.invalid:${port}`, type: "application/json", body: '{"run_id":"r"}' });
  });

  it("follows no redirect: the 3xx is the answer", async () => {
    const before = seen.length;
    expect(await postWebhook(new URL(`http://hooks.invalid:${port}/moved`), LOCAL, "{}", AbortSignal.timeout(5_000))).toMatchObject({ status: 302, location: "http://127.0.0.1/elsewhere" });
    expect(seen.length).toBe(before + 1);
  });

  it("gives up a receiver that does not answer when the signal aborts", async () => {
    await expect(postWebhook(new URL(`http://hooks.invalid:${port}/silent`), LOCAL, "{}", AbortSignal.timeout(200))).rejects.toMatchObject({ name: "AbortError" });
  });

  it("reads a bounded part of an answer that never ends", async () => {
    const answer = await postWebhook(new URL(`http://hooks.invalid:${port}/endless`), LOCAL, "{}", AbortSignal.timeout(5_000));
    expect([answer.status, answer.body.length]).toEqual([200, MAX_ANSWER_BYTES]);
  });
});
