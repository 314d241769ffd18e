import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/test-service.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots } from "./browser.js";

const shot = screenshots(import.meta.filename);

describe.skipIf(browserSkipReason)("the web app at /", () => {
  let svc: TestService;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuilt();
    svc = await startTestService();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  test("is served with a strict Content-Security-Policy, compressed, hashed assets cached for a year", async () => {
    const res = await fetch(`${svc.url}/`, { headers: { "accept-encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const html = await res.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${svc.url}${asset}`, { headers: { "accept-encoding": "gzip" } });
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(js.headers.get("content-encoding")).toBe("gzip");
  });

  test("an unknown asset is a 404 problem, and the API is never compressed: neither JSON nor an event stream", async () => {
    const missing = await fetch(`${svc.url}/assets/nope-123.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const gzip = { "accept-encoding": "gzip" };
    // Both well past compression's 1 KB threshold.
    const schemas = await fetch(`${svc.url}/assistants/chat/schemas`, { headers: gzip });
    expect((await schemas.text()).length).toBeGreaterThan(2048);
    expect(schemas.headers.get("content-encoding")).toBeNull();
    svc.mock.script({ text: "word ".repeat(400) });
    const chat = await fetch(`${svc.url}/api/chat`, { method: "POST", headers: { ...gzip, "content-type": "application/json" }, body: JSON.stringify({ message: "hello" }) });
    expect(chat.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect((await chat.text()).length).toBeGreaterThan(2048);
    expect(chat.headers.get("content-encoding")).toBeNull();
  });

  test("opens with no error in the page", async () => {
    const { context, page, errors } = await openPage(browser, svc.url);
    await page.getByRole("link", { name: "threadloom" }).waitFor();
    await shot(page, "opened");
    expect(errors.list).toEqual([]);
    await context.close();
  });
});
