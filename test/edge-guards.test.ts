import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "./helpers/test-service.js";

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A request with exactly the headers given (Host, Origin, Sec-Fetch-Site as a browser or an attacker
 * would send them), read to its end: fetch would not let a test set Host or Sec-Fetch-Site.
 */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<RawResponse> {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname, port: url.port, method, path: url.pathname + url.search, setHost: false,
        headers: { host: url.host, ...headers, ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

function problem(res: RawResponse): { type: string; status: number; detail: string; [key: string]: unknown } {
  expect(res.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
  return JSON.parse(res.body);
}

async function threadCount(t: TestService): Promise<number> {
  return Number((await t.db.pool.query("SELECT count(*) FROM threads")).rows[0].count);
}

describe("without API keys: Host names and cross-site requests", () => {
  let t: TestService;
  let port: string;
  beforeAll(async () => {
    t = await startTestService();
    port = new URL(t.url).port;
  });
  afterAll(() => t.close());

  // DNS rebinding: a page of rebind.evil.example whose name now resolves to 127.0.0.1 reaches our
  // port, but its requests say whose they are in Host.
  it("answers 421 to a Host name that is not this machine's, whatever the route", async () => {
    const evil = { host: `rebind.evil.example:${port}` };
    for (const [method, path, body] of [
      ["GET", "/api/threads"],
      ["GET", "/chat?message=hi"],
      ["POST", "/api/chat", { message: "hi" }],
      ["GET", "/metrics"],
      ["GET", "/no/such/route"],
    ] as const) {
      const res = await raw(t.url, method, path, evil, body);
      expect(res.status, `${method} ${path}`).toBe(421);
      expect(problem(res)).toMatchObject({ type: "about:blank#misdirected_host", status: 421, host: `rebind.evil.example:${port}` });
    }
    expect(problem(await raw(t.url, "GET", "/api/threads", { host: "127.0.0.1.evil.example" })).detail).toMatch(/does not answer to the host name "127\.0\.0\.1\.evil\.example"/);
    expect(t.mock.requests).toHaveLength(0);
    expect(await threadCount(t)).toBe(0);
  });

  it("answers to loopback names on any port, and health checks to any name", async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "LocalHost:1", `[::1]:${port}`, "[::1]", "localhost"]) {
      expect((await raw(t.url, "GET", "/api/threads", { host })).status, host).toBe(200);
    }
    expect((await raw(t.url, "GET", "/healthz", { host: "10.1.2.3:3000" })).status).toBe(200);
  });

  it("refuses a cross-site POST with 403 naming the page's origin, before anything runs", async () => {
    const res = await raw(t.url, "POST", "/api/chat", { origin: "https://evil.example", "sec-fetch-site": "cross-site" }, { message: "hi" });
    expect(res.status).toBe(403);
    expect(problem(res)).toEqual({
      type: "about:blank#forbidden_origin", title: "Cross-site request refused", status: 403, origin: "https://evil.example",
      detail: "Cross-site request refused: the page at https://evil.example may not make this request. Pages of other origins must be listed in CORS_ORIGINS.",
    });
    // A browser without Sec-Fetch-Site (older Safari) still sends Origin.
    expect((await raw(t.url, "POST", "/threads", { origin: "https://evil.example" }, {})).status).toBe(403);
    expect((await raw(t.url, "DELETE", "/api/threads/00000000-0000-0000-0000-000000000000", { origin: "http://evil.example" })).status).toBe(403);
    // Sandboxed frames and file: pages send "null".
    expect((await raw(t.url, "POST", "/threads", { origin: "null" }, {})).status).toBe(403);
    expect(t.mock.requests).toHaveLength(0);
    expect(await threadCount(t)).toBe(0);
  });

  // An EventSource or an <img> needs no CORS: GET /chat starts a run, so it is guarded like a POST.
  it("refuses GET /chat from another site's page, with or without Origin", async () => {
    const eventSource = await raw(t.url, "GET", "/chat?message=hi", { origin: "https://evil.example", "sec-fetch-site": "cross-site", accept: "text/event-stream" });
    expect([eventSource.status, problem(eventSource).origin]).toEqual([403, "https://evil.example"]);
    const image = await raw(t.url, "GET", "/chat?message=hi", { "sec-fetch-site": "cross-site" });
    expect(image.status).toBe(403);
    expect(problem(image).detail).toMatch(/^Cross-site request refused: a page of another site \(Sec-Fetch-Site: cross-site\)/);
    // Another port of localhost is the same site, but another program's page.
    expect((await raw(t.url, "GET", "/CHAT/?message=hi", { "sec-fetch-site": "same-site" })).status).toBe(403);
    expect(t.mock.requests).toHaveLength(0);
    expect(await threadCount(t)).toBe(0);
  });

  it("lets through the SDK (no Origin), same-origin pages, local pages (CORS_ORIGINS default) and reads", async () => {
    const sdk = await raw(t.url, "POST", "/threads", {}, {});
    expect(sdk.status).toBe(200);
    const sameOrigin = await raw(t.url, "POST", "/threads", { origin: `http://127.0.0.1:${port}` }, {});
    expect(sameOrigin.status).toBe(200);
    const fetchMetadata = await raw(t.url, "POST", "/threads", { origin: `http://localhost:${port}`, host: `localhost:${port}`, "sec-fetch-site": "same-origin" }, {});
    expect(fetchMetadata.status).toBe(200);
    const localPage = await raw(t.url, "POST", "/threads", { origin: "http://localhost:5173", "sec-fetch-site": "same-site" }, {});
    expect([localPage.status, localPage.headers["access-control-allow-origin"]]).toEqual([200, "http://localhost:5173"]);
    // Typed into the address bar.
    const typed = await raw(t.url, "GET", "/chat?message=hello", { "sec-fetch-site": "none" });
    expect([typed.status, typed.headers["content-type"]]).toEqual([200, "text/event-stream"]);
    expect(typed.body).toContain("event: end");
    // A read another site's page makes is CORS's business: it gets no Access-Control-Allow-Origin.
    const read = await raw(t.url, "GET", "/api/threads", { origin: "https://evil.example", "sec-fetch-site": "cross-site" });
    expect([read.status, read.headers["access-control-allow-origin"]]).toEqual([200, undefined]);
    expect(await threadCount(t)).toBe(5);
  });
});

describe("ALLOWED_HOSTS and CORS_ORIGINS", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { ALLOWED_HOSTS: "chat.example.com, 192.168.1.20", CORS_ORIGINS: "https://chat.example.com" } });
  });
  afterAll(() => t.close());

  it("answers the names listed besides loopback ones, and only pages of the listed origins", async () => {
    expect((await raw(t.url, "GET", "/api/threads", { host: "chat.example.com" })).status).toBe(200);
    expect((await raw(t.url, "GET", "/api/threads", { host: "192.168.1.20:3000" })).status).toBe(200);
    expect((await raw(t.url, "GET", "/api/threads", { host: "localhost:3000" })).status).toBe(200);
    expect((await raw(t.url, "GET", "/api/threads", { host: "other.example.com" })).status).toBe(421);
    const listed = await raw(t.url, "POST", "/threads", { host: "api.example.com:1", origin: "https://chat.example.com", "sec-fetch-site": "cross-site" }, {});
    expect(listed.status).toBe(421);
    const fromListed = await raw(t.url, "POST", "/threads", { host: "chat.example.com", origin: "https://chat.example.com", "sec-fetch-site": "cross-site" }, {});
    expect([fromListed.status, fromListed.headers["access-control-allow-origin"]]).toEqual([200, "https://chat.example.com"]);
    // A list replaces the default of local pages.
    expect((await raw(t.url, "POST", "/threads", { origin: "http://localhost:5173", "sec-fetch-site": "same-site" }, {})).status).toBe(403);
  });
});

describe("with API keys", () => {
  let t: TestService;
  const KEY = "key-edge-0001";
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS: `${KEY}:acme:alice` } });
  });
  afterAll(() => t.close());

  // Reached by whatever name its operators give it; the keys guard it.
  it("answers any Host name, and still refuses cross-site changes", async () => {
    const named = await raw(t.url, "GET", "/api/threads", { host: "threadloom.internal:8080", authorization: `Bearer ${KEY}` });
    expect(named.status).toBe(200);
    const crossSite = await raw(t.url, "POST", "/threads", { authorization: `Bearer ${KEY}`, origin: "https://evil.example", "sec-fetch-site": "cross-site" }, {});
    expect(crossSite.status).toBe(403);
    expect((await raw(t.url, "POST", "/threads", { authorization: `Bearer ${KEY}` }, {})).status).toBe(200);
  });
});
