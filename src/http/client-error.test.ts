import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerClientError } from "./client-error.js";

/** Sends raw bytes and returns everything the server wrote back before closing. */
async function raw(port: number, bytes: string): Promise<string> {
  const socket = net.connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (d) => (received += d));
  socket.on("error", () => {});
  await once(socket, "connect");
  socket.write(bytes);
  await once(socket, "close");
  return received;
}

function parse(response: string) {
  const [head, body] = response.split("\r\n\r\n") as [string, string];
  return { status: Number(head.split(" ")[1]), type: /content-type: ([^\r\n]*)/i.exec(head)?.[1], body: JSON.parse(body) };
}

describe("a request Node's parser refuses", () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end("app")).on("clientError", answerClientError);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("is a 431 problem naming the headers when the request line is longer than Node reads", async () => {
    const res = parse(await raw(port, `GET /api/threads?cursor=${"x".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(res).toMatchObject({ status: 431, type: "application/problem+json", body: { status: 431, invalid_params: [{ name: "headers" }] } });
  });

  it("is a 400 problem when the bytes are not HTTP", async () => {
    const res = parse(await raw(port, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"));
    expect(res).toMatchObject({ status: 400, type: "application/problem+json", body: { status: 400, invalid_params: [{ name: "request" }] } });
  });
});
