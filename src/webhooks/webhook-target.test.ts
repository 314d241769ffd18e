import type { lookup } from "node:dns/promises";
import { describe, expect, it } from "vitest";
import { allowedHostsEntryProblem, AddressPolicy } from "../net/address-policy.js";
import { resolveWebhookHost, webhookTarget } from "./webhook-target.js";

/** A resolver answering from a table, as DNS would (`all: true`). */
const dns = (table: Record<string, string[]>) =>
  (async (host: string) => {
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  }) as unknown as typeof lookup;

const resolve = (url: string, policy = new AddressPolicy(), table: Record<string, string[]> = {}) => resolveWebhookHost(new URL(url), policy, dns(table));

describe("webhookTarget", () => {
  it("reads a path of http.app, or an absolute http(s) URL", () => {
    expect(webhookTarget("/custom/webhook?x=1")).toEqual({ kind: "path", path: "/custom/webhook?x=1" });
    expect(webhookTarget("https://hooks.example.com/run")).toEqual({ kind: "url", url: new URL("https://hooks.example.com/run") });
  });

  it("refuses other schemes, scheme-relative URLs and text that is no URL", () => {
    expect(() => webhookTarget("ftp://example.com/x")).toThrow("must be an http or https URL, not ftp");
    expect(() => webhookTarget("file:///etc/passwd")).toThrow("must be an http or https URL, not file");
    for (const raw of ["//127.0.0.1/x", "/\\127.0.0.1/x", "example.com/hook", "http//x"]) {
      expect(() => webhookTarget(raw)).toThrow("must be an absolute http or https URL, or a path starting with / (for the manifest's http.app)");
    }
  });
});

describe("resolveWebhookHost", () => {
  it("pins a public host to the address it resolved to", async () => {
    expect(await resolve("https://hooks.example.com/x", undefined, { "hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"] })).toEqual({ address: "93.184.216.34", family: 4 });
    expect(await resolve("http://8.8.8.8:8080/x")).toEqual({ address: "8.8.8.8", family: 4 });
  });

  it.each([
    ["http://127.0.0.1/x", "its host 127.0.0.1 is a loopback address"],
    ["http://[::1]/x", "its host ::1 is a loopback address"],
    ["http://10.1.2.3/x", "its host 10.1.2.3 is a private address"],
    ["http://172.20.0.1/x", "its host 172.20.0.1 is a private address"],
    ["http://192.168.1.1/x", "its host 192.168.1.1 is a private address"],
    ["http://100.64.0.1/x", "its host 100.64.0.1 is a private address"],
    ["http://[fd00::1]/x", "its host fd00::1 is a private address"],
    ["http://169.254.169.254/latest/meta-data", "its host 169.254.169.254 is a link-local address"],
    ["http://[fe80::1]/x", "its host fe80::1 is a link-local address"],
    ["http://[::ffff:127.0.0.1]/x", "its host ::ffff:7f00:1 is a loopback address"],
    ["http://0.0.0.0/x", "its host 0.0.0.0 is a non-public address"],
    ["http://0x7f.1/x", "its host 127.0.0.1 is a loopback address"],
    ["http://224.0.0.1/x", "its host 224.0.0.1 is a non-public address"],
  ])("refuses %s", async (url, reason) => {
    await expect(resolve(url)).rejects.toThrow(`${reason}, where webhooks may not go unless WEBHOOK_ALLOWED_HOSTS names it`);
  });

  it("refuses a name any of whose addresses is not public (a rebinding answer among good ones included)", async () => {
    const table = { "internal.example.com": ["10.0.0.7"], "mixed.example.com": ["93.184.216.34", "127.0.0.1"] };
    await expect(resolve("http://internal.example.com/x", undefined, table)).rejects.toThrow("its host internal.example.com resolves to 10.0.0.7, a private address");
    await expect(resolve("http://mixed.example.com/x", undefined, table)).rejects.toThrow("its host mixed.example.com resolves to 127.0.0.1, a loopback address");
  });

  it("says a name that does not resolve may resolve later", async () => {
    await expect(resolve("http://nowhere.example.com/x")).rejects.toMatchObject({ message: "its host nowhere.example.com does not resolve (ENOTFOUND)", retryable: true });
  });

  it("lets WEBHOOK_ALLOWED_HOSTS open names, addresses and ranges", async () => {
    const policy = new AddressPolicy(["hooks.internal", "127.0.0.1", "10.0.0.0/8", "[::1]"]);
    const table = { "hooks.internal": ["192.168.5.5"], "other.internal": ["10.9.9.9"], "third.internal": ["172.16.0.9"] };
    expect(await resolve("http://hooks.internal/x", policy, table)).toEqual({ address: "192.168.5.5", family: 4 });
    expect(await resolve("http://other.internal/x", policy, table)).toEqual({ address: "10.9.9.9", family: 4 });
    expect(await resolve("http://127.0.0.1:9/x", policy)).toEqual({ address: "127.0.0.1", family: 4 });
    expect(await resolve("http://[::1]:9/x", policy)).toEqual({ address: "::1", family: 6 });
    await expect(resolve("http://third.internal/x", policy, table)).rejects.toThrow("resolves to 172.16.0.9, a private address");
    await expect(resolve("http://127.0.0.2/x", policy)).rejects.toThrow("is a loopback address");
  });
});

describe("WEBHOOK_ALLOWED_HOSTS entries", () => {
  it("are host names, addresses or CIDR ranges", () => {
    for (const entry of ["hooks.internal", "localhost", "10.0.0.5", "[::1]", "::1", "10.0.0.0/8", "fd00::/8"]) expect(allowedHostsEntryProblem(entry)).toBeNull();
    expect(allowedHostsEntryProblem("http://hooks.internal")).toBe('"http://hooks.internal" is not a host name, an address or a CIDR range');
    expect(allowedHostsEntryProblem("10.0.0.0/33")).toBe('"10.0.0.0/33" is not a CIDR range (like 10.0.0.0/8 or fd00::/8)');
    expect(allowedHostsEntryProblem("hooks/8")).toBe('"hooks/8" is not a host name, an address or a CIDR range');
  });
});
