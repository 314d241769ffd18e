import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chat } from "../helpers/sse-client.js";
import { startTestService, type TestService } from "../helpers/test-service.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots, STEP_TIMEOUT_MS } from "./browser.js";

const shot = screenshots(import.meta.filename);
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: STEP_TIMEOUT_MS });
const KEYS = { alice: "key-alice-7f3a91", bob: "key-bob-c2d84e" } as const;
// What Chromium logs for each refused request: the page asks for a key after the first one.
const UNAUTHORIZED = "console: Failed to load resource: the server responded with a status of 401 (Unauthorized)";

describe.skipIf(browserSkipReason)("the web app with API_KEYS", () => {
  let svc: TestService;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuilt();
    svc = await startTestService({ env: { API_KEYS: `${KEYS.alice}:acme:alice,${KEYS.bob}:acme:bob` }, script: { text: "ok" } });
    browser = await launchBrowser();
    for (const [user, key] of Object.entries(KEYS)) {
      for (const n of [1, 2]) {
        const res = await chat(svc.url, { message: `${user}'s thread ${n}` }, { Authorization: `Bearer ${key}` });
        expect(res.events.at(-1)?.data).toMatchObject({ type: "end", status: "success" });
      }
    }
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  /** Every URL the page requests, to prove the key is never in one. */
  const recordUrls = (page: Page) => {
    const urls: string[] = [];
    page.on("request", (req) => urls.push(req.url()));
    return urls;
  };
  const titles = (page: Page) => page.locator(".thread-item .thread-title").allTextContents();

  test("the page asks for a key after a 401, refuses a wrong one, then shows only that key's threads", async () => {
    // The page itself is served without a key; the API is not.
    expect((await fetch(`${svc.url}/`)).status).toBe(200);
    expect((await fetch(`${svc.url}/api/threads`)).status).toBe(401);

    const { context, page, errors } = await openPage(browser, "about:blank");
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const urls = recordUrls(page);
    await page.goto(svc.url);
    const dialog = page.getByRole("dialog", { name: "API key" });
    await dialog.getByText("This service asks for an API key.").waitFor();
    await shot(page, "asks-for-key");

    await dialog.getByLabel("Key").fill("key-wrong-000000");
    await dialog.getByRole("button", { name: "Use this key" }).click();
    await dialog.getByText("The service did not accept this key.").waitFor();
    await shot(page, "wrong-key");

    await dialog.getByLabel("Key").fill(KEYS.alice);
    await dialog.getByRole("button", { name: "Use this key" }).click();
    await poll(() => titles(page)).toEqual(["alice's thread 2", "alice's thread 1"]);
    expect(await dialog.count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem("threadloom.api_key"))).toBe(KEYS.alice);
    expect(await page.evaluate(() => localStorage.getItem("threadloom.api_key"))).toBeNull();
    // The assistant picker (the SDK's client) works with the key too.
    await poll(() => page.getByRole("combobox", { name: "Assistant", exact: true }).locator("option").count()).toBeGreaterThan(0);
    await shot(page, "alice-threads");

    // A reload keeps the key for this tab: no question, the same threads; a thread opens.
    await page.reload();
    await poll(() => titles(page)).toEqual(["alice's thread 2", "alice's thread 1"]);
    expect(await dialog.count()).toBe(0);
    await page.getByRole("link", { name: /alice's thread 1/ }).click();
    await page.getByRole("region", { name: "Thread" }).getByRole("heading", { name: "alice's thread 1" }).waitFor();
    await shot(page, "alice-after-reload");

    expect(urls.length).toBeGreaterThan(5);
    expect(urls.filter((u) => u.includes(KEYS.alice) || u.includes("key-wrong"))).toEqual([]);
    expect(errors.list.filter((e) => e !== UNAUTHORIZED)).toEqual([]);
    await context.close();
  });

  test("another browser session with another key sees only its own threads", async () => {
    const { context, page, errors } = await openPage(browser, "about:blank");
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const urls = recordUrls(page);
    const headers: (string | undefined)[] = [];
    page.on("request", (req) => req.url().includes("/api/threads") && headers.push(req.headers().authorization));
    await page.goto(svc.url);
    const dialog = page.getByRole("dialog", { name: "API key" });
    await dialog.getByLabel("Key").fill(KEYS.bob);
    await dialog.getByRole("button", { name: "Use this key" }).click();
    await poll(() => titles(page)).toEqual(["bob's thread 2", "bob's thread 1"]);
    // Searching is per key as well.
    await page.getByRole("searchbox", { name: "Search threads" }).fill("alice");
    await page.getByText("No thread matches.").waitFor();
    await shot(page, "bob-threads");
    expect(headers.at(-1)).toBe(`Bearer ${KEYS.bob}`);
    expect(urls.filter((u) => u.includes(KEYS.bob))).toEqual([]);
    expect(errors.list.filter((e) => e !== UNAUTHORIZED)).toEqual([]);
    await context.close();
  });
});
