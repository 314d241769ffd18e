import { describe, expect, it } from "vitest";
import { crossSiteRefusal } from "./cross-site-guard.js";
import { hostName, hostRefusal } from "./host-guard.js";

const localPages = (origin: string) => /^http:\/\/localhost:\d+$/.test(origin);
const refused = (headers: Record<string, string>) => crossSiteRefusal({ headers }, localPages)?.code ?? null;

describe("crossSiteRefusal", () => {
  // What a WebSocket upgrade handler would pass: the IncomingMessage of the upgrade, which Express never sees.
  it("refuses another site's WebSocket upgrade and lets this service's own page through", () => {
    const upgrade = { host: "127.0.0.1:3000", upgrade: "websocket", connection: "Upgrade" };
    expect(refused({ ...upgrade, origin: "https://evil.example" })).toBe("forbidden_origin");
    expect(refused({ ...upgrade, origin: "http://127.0.0.1:3000" })).toBeNull();
    expect(refused({ ...upgrade, origin: "http://localhost:5173" })).toBeNull();
    expect(refused(upgrade)).toBeNull();
  });

  it("decides by a trusted Origin first, then Sec-Fetch-Site, then Origin against Host", () => {
    expect(refused({ host: "127.0.0.1:3000", origin: "http://localhost:5173", "sec-fetch-site": "cross-site" })).toBeNull();
    expect(refused({ host: "127.0.0.1:3000", "sec-fetch-site": "same-origin" })).toBeNull();
    expect(refused({ host: "127.0.0.1:3000", "sec-fetch-site": "none" })).toBeNull();
    expect(refused({ host: "127.0.0.1:3000", "sec-fetch-site": "same-site" })).toBe("forbidden_origin");
    expect(refused({ host: "127.0.0.1:3000", "sec-fetch-site": "Cross-Site" })).toBe("forbidden_origin");
    expect(refused({ host: "example.com", origin: "https://example.com" })).toBeNull();
    expect(refused({ host: "example.com:443", origin: "https://example.com" })).toBeNull();
    expect(refused({ host: "example.com:8443", origin: "https://example.com" })).toBe("forbidden_origin");
    expect(refused({ host: "example.com", origin: "https://example.com.evil.example" })).toBe("forbidden_origin");
    expect(refused({ origin: "https://example.com" })).toBe("forbidden_origin");
  });
});

describe("hostRefusal", () => {
  it("compares the name without its port, ignoring case", () => {
    expect(["localhost:3000", "[::1]:80", "[::1]", "EXAMPLE.com:", "example.com"].map(hostName)).toEqual(["localhost", "[::1]", "[::1]", "example.com", "example.com"]);
    const allowed = new Set(["localhost", "[::1]"]);
    expect(hostRefusal({ headers: { host: "localhost:1" } }, allowed)).toBeNull();
    expect(hostRefusal({ headers: { host: "localhost.evil.example" } }, allowed)?.code).toBe("misdirected_host");
    expect(hostRefusal({ headers: { host: "[::1" } }, allowed)?.code).toBe("misdirected_host");
    expect(hostRefusal({ headers: {} }, allowed)?.code).toBe("misdirected_host");
  });
});
