import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/test-service.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots } from "./browser.js";

const shot = screenshots(import.meta.filename);

const HOSTILE = [
  'Look: <img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script>',
  "",
  "[click](javascript:window.__pwned=3) or [this one](JaVaScRiPt:window.__pwned=4)",
  "",
  "![tracker](http://evil.example.com/pixel.png) ![inline](data:image/gif;base64,R0lGODlhAQABAAAAACw=)",
  "",
  "[a fine link](https://example.com/docs) and mail@example.com",
  "",
  "```js",
  "const answer = 42;",
  "```",
].join("\n");

describe.skipIf(browserSkipReason)("untrusted content: nothing a model writes runs in the page", () => {
  let svc: TestService;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuilt();
    svc = await startTestService({ script: { text: HOSTILE } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  test("raw HTML shows as text, javascript: links are not links, other hosts' images are links", async () => {
    const { context, page, errors } = await openPage(browser, svc.url);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("say something nasty");
    await box.press("Enter");
    const reply = page.getByRole("article", { name: "Assistant reply" });
    await reply.getByLabel("Reply usage").waitFor();
    await shot(page, "rendered");

    // The javascript: links are plain text, and clicking them does nothing.
    await reply.getByText("click", { exact: true }).click();
    await reply.getByText("this one", { exact: true }).click();
    expect(await reply.getByRole("link", { name: "click" }).count()).toBe(0);
    expect(await reply.getByRole("link", { name: "this one" }).count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();

    // Nothing executable reached the DOM; the HTML is shown as the text it was.
    expect(await page.locator(".conversation script").count()).toBe(0);
    expect(await page.locator("[onerror]").count()).toBe(0);
    expect(await reply.textContent()).toContain('<img src=x onerror="window.__pwned=1">');

    // Another host's image is offered as a link, not loaded; a data: image is shown.
    const tracker = reply.getByRole("link", { name: "tracker" });
    expect(await tracker.getAttribute("href")).toBe("http://evil.example.com/pixel.png");
    expect(await tracker.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await page.locator('img[src^="http://evil"]').count()).toBe(0);
    expect(await reply.getByRole("img", { name: "inline" }).count()).toBe(1);

    // Safe links open in a new tab without the opener.
    const fine = reply.getByRole("link", { name: "a fine link" });
    expect(await fine.getAttribute("target")).toBe("_blank");
    expect(await fine.getAttribute("rel")).toBe("noopener noreferrer");

    // Code has its copy button.
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await reply.getByRole("button", { name: "Copy code" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("const answer = 42;");
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    // No CSP violation was needed to keep anything from running: the errors list is empty.
    expect(errors.list).toEqual([]);
    await context.close();
  });
});
