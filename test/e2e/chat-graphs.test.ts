import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/test-service.js";
import type { WrittenManifest } from "../helpers/write-manifest.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots, STEP_TIMEOUT_MS } from "./browser.js";
import { writeChatManifest } from "./chat-manifest.js";

const shot = screenshots(import.meta.filename);

describe.skipIf(browserSkipReason)("chat: other graphs, documents, phone width and dark mode", () => {
  let svc: TestService;
  let browser: Browser;
  let manifest: WrittenManifest;

  beforeAll(async () => {
    ensureWebBuilt();
    manifest = await writeChatManifest();
    svc = await startTestService({ env: { LANGGRAPH_JSON: manifest.file } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    await manifest?.remove();
  });

  test("a graph without messages takes JSON input and shows its updates and state", async () => {
    const { context, page, errors } = await openPage(browser, svc.url);
    await page.evaluate(() => localStorage.setItem("threadloom.assistant_id", "counter"));
    await page.reload();
    const input = page.getByRole("textbox", { name: "Run input (JSON)" });
    await input.fill("{not json");
    await page.getByRole("button", { name: "Run" }).click();
    await page.getByRole("alert").getByText(/Not JSON/).waitFor();
    await input.fill('{"items": ["start"], "count": 1}');
    await page.getByRole("button", { name: "Run" }).click();
    await page.getByText("This graph keeps no messages").waitFor();
    const state = page.getByLabel("State values");
    await expect.poll(async () => JSON.parse((await state.textContent()) ?? "{}")).toEqual({ items: ["start", "tick", "tock"], count: 12 });
    await page.getByRole("list", { name: "Run updates" }).getByText("tock", { exact: true }).waitFor();
    await shot(page, "no-messages");
    await page.evaluate(() => localStorage.removeItem("threadloom.assistant_id"));
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("the draft graph's doc events show in the Document tab", async () => {
    svc.mock.script({ text: "# Picnic plan\n\nBring **bread** and `cheese`.", tokenDelayMs: 20 });
    const { context, page, errors } = await openPage(browser, svc.url);
    await page.evaluate(() => localStorage.setItem("threadloom.assistant_id", "draft"));
    await page.reload();
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("plan a picnic");
    await box.press("Enter");
    await page.getByRole("button", { name: "Send" }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.getByRole("tab", { name: /Document/ }).click();
    const doc = page.getByRole("article", { name: /^Document / });
    await doc.getByText("bread").waitFor();
    await doc.getByRole("button", { name: /^Copy document/ }).waitFor();
    await shot(page, "document");
    await page.evaluate(() => localStorage.removeItem("threadloom.assistant_id"));
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("a conversation at phone width, light and dark", async () => {
    svc.mock.script([{ toolCalls: [{ name: "calculator", args: { expression: "2+2" } }] }, { text: "It is **4**.\n\n```python\nprint(2 + 2)\n```" }]);
    for (const colorScheme of ["light", "dark"] as const) {
      const { context, page, errors } = await openPage(browser, svc.url, { viewport: { width: 390, height: 844 }, colorScheme });
      if (colorScheme === "dark" && (await page.getByRole("button", { name: "Dark theme" }).count()) > 0) await page.getByRole("button", { name: "Dark theme" }).click();
      const box = page.getByRole("textbox", { name: "Message" });
      await box.fill("what is 2+2? show it in python");
      await box.press("Enter");
      await page.getByRole("article", { name: "Assistant reply" }).last().getByLabel("Reply usage").waitFor();
      // Nothing wider than the screen: no sideways scrolling of the page.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(page, `phone-${colorScheme}`);
      svc.mock.script([{ toolCalls: [{ name: "calculator", args: { expression: "2+2" } }] }, { text: "It is **4**.\n\n```python\nprint(2 + 2)\n```" }]);
      expect(errors.list).toEqual([]);
      await context.close();
    }
  });
});
