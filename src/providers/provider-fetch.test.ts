import http from "node:http";
import tls from "node:tls";
import type { lookup } from "node:dns/promises";
import { afterEach, describe, expect, it } from "vitest";
import { ChatOpenAI } from "@langchain/openai";
import { AppError } from "../errors.js";
import { startMockOpenAI } from "../../test/helpers/mock-openai.js";
import { checkBaseUrl, providerFetch } from "./provider-fetch.js";
import { providerPolicy, ProviderRefused } from "./provider-policy.js";

/** A local server answering every request with what `answer` writes; `hits` counts what reached it. */
async function startServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.headers.host}${req.url}`);
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { port: (server.address() as { port: number }).port, hits };
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A resolver answering from a list per host, one answer per call (the last one repeated), and counting calls. */
function dns(table: Record<string, string[]>) {
  const calls: string[] = [];
  const resolve = (async (host: string) => {
    calls.push(host);
    const answers = table[host];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    const address = answers[Math.min(calls.filter((h) => h === host).length, answers.length) - 1]!;
    return [{ address, family: address.includes(":") ? 6 : 4 }];
  }) as unknown as typeof lookup;
  return { resolve, calls };
}

const ok = (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');

describe("providerFetch", () => {
  it("reaches an allowed local server, keeping the URL's host name in the request", async () => {
    const { port, hits } = await startServer(ok);
    const { resolve } = dns({ "models.test": ["127.0.0.1"] });
    const fetch = providerFetch(providerPolicy(["models.test"], [], resolve));
    const response = await fetch(`http://models.test:${port}/v1/models`);
    expect(await response.json()).toEqual({ ok: true });
    expect(hits).toEqual([`GET models.test:${port}/v1/models`]);
  });

  it("refuses a name resolving to 127.0.0.1 unless PROVIDER_ALLOWED_HOSTS opens it, without connecting", async () => {
    const { port, hits } = await startServer(ok);
    const { resolve } = dns({ "models.test": ["127.0.0.1"] });
    const refused = providerFetch(providerPolicy([], [], resolve))(`http://models.test:${port}/v1/models`);
    await expect(refused).rejects.toThrow(new ProviderRefused(
      "its host models.test resolves to 127.0.0.1, a loopback address, where providers may not connect unless PROVIDER_ALLOWED_HOSTS names it", "address",
    ));
    await expect(providerFetch(providerPolicy([], []))(`http://127.0.0.1:${port}/v1/models`)).rejects.toMatchObject({ reason: "address" });
    expect(hits).toEqual([]);
    expect((await providerFetch(providerPolicy(["127.0.0.1"], [], resolve))(`http://models.test:${port}/v1/models`)).status).toBe(200);
    expect((await providerFetch(providerPolicy(["127.0.0.0/8"], []))(`http://127.0.0.1:${port}/v1/models`)).status).toBe(200);
  });

  it("lets the environment's own model server through by its origin, and only that origin", async () => {
    const { port } = await startServer(ok);
    const other = await startServer(ok);
    const fetch = providerFetch(providerPolicy([], [`http://127.0.0.1:${port}/v1`]));
    expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${other.port}/v1/models`)).rejects.toMatchObject({ reason: "address" });
  });

  // DNS rebinding: an answer that changes after the check must not move the connection.
  it("resolves once and connects to the address it checked", async () => {
    const { port, hits } = await startServer(ok);
    const { resolve, calls } = dns({ "rebind.test": ["127.0.0.1", "169.254.169.254"] });
    const fetch = providerFetch(providerPolicy(["127.0.0.1"], [], resolve));
    expect((await fetch(`http://rebind.test:${port}/v1/models`)).status).toBe(200);
    expect(calls).toEqual(["rebind.test"]);
    expect(hits).toHaveLength(1);
    // The next request asks again, gets the link-local answer, and is refused before any connection.
    await expect(fetch(`http://rebind.test:${port}/v1/models`)).rejects.toThrow("resolves to 169.254.169.254, a link-local address");
    expect(hits).toHaveLength(1);
  });

  it("does not follow a redirect, even to an allowed server", async () => {
    const target = await startServer(ok);
    const { port } = await startServer((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/v1/models` }).end());
    const fetch = providerFetch(providerPolicy(["127.0.0.1"], []));
    await expect(fetch(`http://127.0.0.1:${port}/v1/models`)).rejects.toThrow(new ProviderRefused("the provider answered 302, a redirect, which is not followed", "redirect", 302));
    expect(target.hits).toEqual([]);
  });

  // The connection goes to the pinned address, but TLS still names (and would verify) the URL's host.
  it("keeps the URL's host name as the TLS server name", async () => {
    const names: string[] = [];
    // No certificate: the handshake stops once the server has seen the name the client asked for.
    const server = tls.createServer({ SNICallback: (name, done) => { names.push(name); done(new Error("no certificate here")); } });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const fetch = providerFetch(providerPolicy(["127.0.0.1"], [], dns({ "models.test": ["127.0.0.1"] }).resolve));
      await expect(fetch(`https://models.test:${port}/v1/models`)).rejects.toThrow();
      expect(names).toEqual(["models.test"]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("refuses other schemes", async () => {
    await expect(providerFetch(providerPolicy([], []))("file:///etc/passwd")).rejects.toMatchObject({ reason: "scheme" });
  });

  it("passes the method, headers and body through, and streams the answer", async () => {
    const { port } = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write(`${req.method} ${req.headers.authorization} `);
      req.pipe(res);
    });
    const fetch = providerFetch(providerPolicy(["127.0.0.1"], []));
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer k" }, body: "hello" });
    expect(await response.text()).toBe("POST Bearer k hello");
    const request = new Request(`http://127.0.0.1:${port}/v1/x`, { method: "PUT", headers: { authorization: "Bearer r" }, body: "from a Request" });
    expect(await (await fetch(request)).text()).toBe("PUT Bearer r from a Request");
  });
});

// What runs do with it: the OpenAI client (through ChatOpenAI) given this fetch, streamed and not.
describe("providerFetch under the OpenAI client", () => {
  it("carries a chat completion and a streamed one, with the key", async () => {
    const mock = await startMockOpenAI({ text: "pinned reply" }, { apiKey: "sk-pinned-0123" });
    try {
      const model = new ChatOpenAI({
        model: "mock-model", apiKey: "sk-pinned-0123", maxRetries: 0,
        configuration: { baseURL: mock.baseURL, fetch: providerFetch(providerPolicy(["127.0.0.1"], [])) },
      });
      expect((await model.invoke("hi")).content).toBe("pinned reply");
      let streamed = "";
      for await (const chunk of await model.stream("hi")) streamed += chunk.content as string;
      expect(streamed).toBe("pinned reply");
      const refused = new ChatOpenAI({ model: "mock-model", apiKey: "sk-pinned-0123", maxRetries: 0, configuration: { baseURL: mock.baseURL, fetch: providerFetch(providerPolicy([], [])) } });
      await expect(refused.invoke("hi")).rejects.toThrow();
      expect(mock.requests).toHaveLength(2);
    } finally {
      await mock.close();
    }
  });
});

describe("checkBaseUrl", () => {
  const refusal = (url: string, allowed: string[] = [], table: Record<string, string[]> = {}) =>
    checkBaseUrl(url, providerPolicy(allowed, ["http://127.0.0.1:11434/v1"], dns(table).resolve)).then(() => null, (err: AppError) => err);

  it("refuses loopback, private and link-local hosts with address_refused naming base_url", async () => {
    const err = await refusal("http://10.0.0.5:8000/v1");
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: "address_refused",
      message: "base_url: its host 10.0.0.5 is a private address, where providers may not connect unless PROVIDER_ALLOWED_HOSTS names it.",
      extra: { fields: [{ name: "base_url", reason: "its host 10.0.0.5 is a private address, where providers may not connect unless PROVIDER_ALLOWED_HOSTS names it" }] },
    });
    expect(await refusal("http://metadata.test/v1", [], { "metadata.test": ["169.254.169.254"] })).toMatchObject({ code: "address_refused" });
    expect(await refusal("http://localhost:8000/v1", [], { localhost: ["::1"] })).toMatchObject({ code: "address_refused" });
  });

  it("lets public hosts, allowed ones, the environment's server and names not resolving yet through", async () => {
    expect(await refusal("https://api.openai.com/v1", [], { "api.openai.com": ["162.159.140.245"] })).toBeNull();
    expect(await refusal("http://10.0.0.5:8000/v1", ["10.0.0.0/8"])).toBeNull();
    expect(await refusal("http://127.0.0.1:11434/v1")).toBeNull();
    expect(await refusal("http://vllm.internal:8000/v1")).toBeNull();
  });

  it("says a base_url that is not an http(s) URL is invalid", async () => {
    expect(await refusal("ftp://example.com/v1")).toMatchObject({ code: "invalid_request", extra: { fields: [{ name: "base_url", reason: "must be an absolute http or https URL" }] } });
  });
});
