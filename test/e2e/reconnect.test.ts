import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/test-service.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots } from "./browser.js";

const shot = screenshots(import.meta.filename);
const WORDS = Array.from({ length: 60 }, (_, i) => `w${i}`);

describe.skipIf(browserSkipReason)("reconnects: a reload mid-run, a second tab", () => {
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

  test("a reload in the middle of a run rejoins it and shows the whole reply once", async () => {
    svc.mock.script({ text: WORDS.join(" "), tokenDelayMs: 90 });
    const { context, page, errors } = await openPage(browser, svc.url);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("count slowly");
    await box.press("Enter");
    await page.getByText(/\bw5\b/).waitFor();
    await page.waitForURL(/#\/t\//);
    await page.reload();
    // Back on the running thread: the Stop button, the tokens still coming, then the end.
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await page.getByRole("article", { name: "Assistant reply" }).getByText(/\bw5\b/).waitFor();
    expect(await page.getByText(/\bw59\b/).count()).toBe(0);
    await shot(page, "rejoined");
    await page.getByRole("article", { name: "Assistant reply" }).getByText(/\bw59\b/).waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor();
    const replies = page.getByRole("article", { name: "Assistant reply" });
    expect(await replies.count()).toBe(1);
    const text = (await replies.first().getByRole("paragraph").first().textContent()) ?? "";
    expect(text.trim()).toBe(WORDS.join(" "));
    expect(await page.getByRole("article", { name: "Your message" }).count()).toBe(1);
    await replies.first().getByLabel("Reply usage").waitFor();
    await shot(page, "finished");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("a second page on the same thread follows a run live", async () => {
    svc.mock.script([{ text: "First." }, { text: WORDS.join(" "), tokenDelayMs: 90 }]);
    const a = await openPage(browser, svc.url);
    const box = a.page.getByRole("textbox", { name: "Message" });
    await box.fill("hello");
    await box.press("Enter");
    await a.page.getByText("First.").waitFor();
    await a.page.getByRole("button", { name: "Send" }).waitFor();
    const b = await openPage(browser, a.page.url());
    await b.page.getByText("First.").waitFor();

    await box.fill("count slowly");
    await box.press("Enter");
    // The other page shows the tokens while the run still goes on in the first.
    await b.page.getByText(/\bw5\b/).waitFor();
    expect(await b.page.getByText(/\bw59\b/).count()).toBe(0);
    expect(await a.page.getByRole("button", { name: "Stop" }).count()).toBe(1);
    await b.page.getByRole("article", { name: "Your message" }).getByText("count slowly").waitFor();
    await shot(b.page, "second-page-live");
    await b.page.getByRole("article", { name: "Assistant reply" }).nth(1).getByText(/\bw59\b/).waitFor();
    await b.page.getByRole("article", { name: "Assistant reply" }).nth(1).getByLabel("Reply usage").waitFor();
    expect(await b.page.getByRole("article", { name: "Assistant reply" }).count()).toBe(2);
    await shot(b.page, "second-page-done");
    expect(a.errors.list).toEqual([]);
    expect(b.errors.list).toEqual([]);
    await a.context.close();
    await b.context.close();
  });
});
