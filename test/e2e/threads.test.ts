import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chat } from "../helpers/sse-client.js";
import { startTestService, type TestService } from "../helpers/test-service.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots, STEP_TIMEOUT_MS } from "./browser.js";

const shot = screenshots(import.meta.filename);
// The page answers within a few seconds on a busy machine; vitest's default of 1 s is for unit tests.
const poll = <T>(fn: () => T | Promise<T>, options: { timeout?: number } = {}) => expect.poll(fn, { timeout: STEP_TIMEOUT_MS, ...options });

// One service for the file, one owner (no API keys): each test makes threads with words of its own.
describe.skipIf(browserSkipReason)("the thread list and the open thread's header", () => {
  let svc: TestService;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuilt();
    svc = await startTestService({ script: { text: "ok" } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  const newThread = async (message: string, reply = "ok", extra: Record<string, unknown> = {}) => {
    svc.mock.script({ text: reply });
    const res = await chat(svc.url, { message, ...extra });
    expect(res.events.at(-1)?.data).toMatchObject({ type: "end", status: "success" });
    return res.headers.get("x-thread-id")!;
  };
  const rest = async <T = any>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${svc.url}${path}`, { ...init, headers: { "content-type": "application/json", ...init.headers } });
    expect(res.ok, `${path}: ${res.status}`).toBe(true);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  // Failures show as the step that failed, well before the test's own timeout.
  const open = async (url: string, options?: Parameters<typeof openPage>[2]) => {
    const opened = await openPage(browser, url, options);
    opened.page.setDefaultTimeout(STEP_TIMEOUT_MS);
    return opened;
  };
  const threadLinks = (page: Page) => page.getByRole("navigation", { name: "Threads" }).getByRole("listitem").getByRole("link");
  const titles = async (page: Page) => (await page.locator(".thread-item .thread-title").allTextContents());

  test("lists threads newest first and loads more pages as the list scrolls", async () => {
    for (let i = 1; i <= 45; i++) await newThread(`thread ${String(i).padStart(2, "0")}`);
    // Short enough that the first page fills it: the next one loads only on scrolling.
    const { context, page, errors } = await open(svc.url, { viewport: { width: 1360, height: 620 } });
    await page.getByText("45 threads").waitFor();
    await poll(() => threadLinks(page).count()).toBe(20);
    expect((await titles(page)).slice(0, 3)).toEqual(["thread 45", "thread 44", "thread 43"]);
    await shot(page, "first-page");

    // Scrolling to the end loads the next page, and the one after.
    const sidebar = page.getByRole("navigation", { name: "Threads" });
    const scrollToEnd = () => sidebar.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await scrollToEnd();
    await poll(() => threadLinks(page).count()).toBe(40);
    await scrollToEnd();
    await poll(() => threadLinks(page).count()).toBe(45);
    const all = await titles(page);
    expect(all).toEqual(Array.from({ length: 45 }, (_, i) => `thread ${String(45 - i).padStart(2, "0")}`));
    await poll(() => page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    await shot(page, "all-pages");

    // A link opens its thread (#/t/<id>) and marks it as the current one.
    await threadLinks(page).filter({ hasText: "thread 44" }).click();
    await page.waitForURL(/#\/t\//);
    const current = page.locator('a[aria-current="page"]');
    await poll(() => current.textContent()).toContain("thread 44");
    await shot(page, "opened-one");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("'Load more' pages from the keyboard too", async () => {
    const { context, page, errors } = await open(svc.url, { viewport: { width: 1360, height: 620 } });
    await poll(() => threadLinks(page).count()).toBe(20);
    // Focus scrolls the button into view, so the observer may start the same page: it loads once.
    await page.getByRole("button", { name: "Load more" }).focus();
    await page.keyboard.press("Enter");
    await poll(() => threadLinks(page).count()).toBeGreaterThanOrEqual(40);
    const all = await titles(page);
    expect(new Set(all).size).toBe(all.length);
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("searches message text and shows each match's snippet with the words highlighted", async () => {
    const fox = await newThread("The quick brown fox jumps over the fence", "Foxes are quick.");
    await newThread("brown bread recipe", "Use flour and a brown crust.");
    const { context, page, errors } = await open(svc.url);
    await page.getByRole("searchbox", { name: "Search threads" }).fill("brown fox");
    const results = page.getByRole("list", { name: "Search results" });
    await poll(() => results.getByRole("listitem").count()).toBe(1);
    await poll(() => page.locator(".thread-snippet mark").allTextContents()).toEqual(["brown", "fox"]);
    expect(await page.locator(".thread-snippet").textContent()).toBe("The quick brown fox jumps over the fence");
    expect(await results.getByRole("link").getAttribute("href")).toBe(`#/t/${fox}`);
    await page.getByText("1 thread matches").waitFor();
    await shot(page, "search");

    // A snippet is text: markup in a message is shown, never parsed.
    await newThread("a <b>bold</b> <img src=x onerror=alert(1)> zebra");
    await page.getByRole("searchbox", { name: "Search threads" }).fill("zebra");
    await poll(() => page.locator(".thread-snippet mark").allTextContents()).toEqual(["zebra"]);
    expect(await page.locator(".thread-snippet img, .thread-snippet b").count()).toBe(0);
    expect(await page.locator(".thread-snippet").textContent()).toContain("<img src=x onerror=alert(1)>");

    await page.getByRole("searchbox", { name: "Search threads" }).fill("nothingmatchesthis");
    await page.getByText("No thread matches.").waitFor();
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("a match on a branch the thread left offers 'Show this branch', which switches to it", async () => {
    const id = await newThread("plans for the lighthouse trip");
    const [first] = (await rest(`/api/threads/${id}`)).messages;
    const edited = await fetch(`${svc.url}/api/threads/${id}/messages/${first.id}/edit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ content: "plans for the harbour trip" }) });
    expect(await edited.text()).toContain('"status":"success"');

    const { context, page, errors } = await open(svc.url);
    await page.getByRole("searchbox", { name: "Search threads" }).fill("lighthouse");
    const button = page.getByRole("button", { name: "Show this branch" });
    await button.waitFor();
    await shot(page, "other-branch-match");
    await button.click();
    await page.waitForURL(`${svc.url}/#/t/${id}`);
    await poll(async () => (await rest(`/api/threads/${id}`)).messages[0].content).toBe("plans for the lighthouse trip");
    await poll(() => button.count()).toBe(0);
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("filters by status and by assistant", async () => {
    svc.mock.script({ httpStatus: 500 });
    const failed = (await chat(svc.url, { message: "this one fails" })).headers.get("x-thread-id")!;
    const drafted = await newThread("draft a haiku about filters", "# Haiku", { assistant_id: "draft" });
    const { context, page, errors } = await open(svc.url);
    await page.getByRole("combobox", { name: "Status filter" }).selectOption("error");
    await poll(() => titles(page)).toEqual(["this one fails"]);
    expect(await page.locator(".thread-item .status-badge").textContent()).toBe("error");
    expect(await threadLinks(page).first().getAttribute("href")).toBe(`#/t/${failed}`);
    await shot(page, "status-error");

    await page.getByRole("combobox", { name: "Status filter" }).selectOption("");
    await page.getByRole("combobox", { name: "Assistant filter" }).selectOption("draft");
    await poll(() => titles(page)).toEqual(["draft a haiku about filters"]);
    expect(await threadLinks(page).first().getAttribute("href")).toBe(`#/t/${drafted}`);
    // With a search as well: the filters narrow it.
    await page.getByRole("searchbox", { name: "Search threads" }).fill("haiku");
    await poll(async () => (await page.locator(".thread-snippet mark").allTextContents()).map((w) => w.toLowerCase())).toEqual(["haiku"]);
    await page.getByRole("combobox", { name: "Assistant filter" }).selectOption("chat");
    await page.getByText("No thread matches.").waitFor();
    await shot(page, "assistant-filter");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("a busy thread shows it, and its status moves on without a reload", async () => {
    svc.mock.script({ text: "slow and steady", firstTokenDelayMs: 6000 });
    const running = chat(svc.url, { message: "a slow question" });
    await poll(async () => (await rest("/api/threads?status=busy")).total).toBe(1);
    const [busy] = (await rest("/api/threads?status=busy")).threads;
    const { context, page, errors } = await open(svc.url);
    // Untitled until its first turn is recorded.
    const item = page.locator(".thread-item").filter({ has: page.locator(`a[href="#/t/${busy.thread_id}"]`) });
    await item.locator(".status-badge", { hasText: "busy" }).waitFor();
    await shot(page, "busy");
    expect((await running).events.at(-1)?.data).toMatchObject({ status: "success" });
    await poll(() => item.locator(".status-badge").count(), { timeout: STEP_TIMEOUT_MS }).toBe(0);
    expect(await item.locator(".thread-title").textContent()).toBe("a slow question");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("renames, forks and deletes the open thread; shows both of its ids", async () => {
    const id = await newThread("what is the plan for saturday", "Hiking, then lunch.");
    const { context, page, errors } = await open(`${svc.url}/#/t/${id}`);
    const header = page.getByRole("region", { name: "Thread" });
    await header.getByRole("heading", { name: "what is the plan for saturday" }).waitFor();

    await header.getByRole("button", { name: "Ids" }).click();
    const ids = await header.getByRole("definition").allTextContents();
    expect(ids.slice(0, 2)).toEqual([id, id]);
    await shot(page, "header-ids");
    await header.getByRole("button", { name: "Ids" }).click();

    // Rename: inline, Enter saves; the thread becomes the newest.
    await header.getByRole("button", { name: "Rename" }).click();
    await header.getByRole("textbox", { name: "Thread title" }).fill("Weekend plans");
    await shot(page, "renaming");
    await header.getByRole("textbox", { name: "Thread title" }).press("Enter");
    await header.getByRole("heading", { name: "Weekend plans" }).waitFor();
    expect((await rest(`/api/threads/${id}`)).title).toBe("Weekend plans");
    await poll(async () => (await titles(page))[0]).toBe("Weekend plans");

    // Fork: a new thread with the same messages opens.
    const original = (await rest(`/api/threads/${id}`)).messages.map((m: { role: string; content: string }) => [m.role, m.content]);
    await header.getByRole("button", { name: "Fork" }).click();
    await page.waitForURL((url) => url.hash.startsWith("#/t/") && !url.hash.endsWith(id));
    const forkId = decodeURIComponent(new URL(page.url()).hash.slice("#/t/".length));
    const fork = await rest(`/api/threads/${forkId}`);
    expect(fork.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual(original);
    await poll(() => page.locator('a[aria-current="page"]').getAttribute("href")).toBe(`#/t/${forkId}`);
    await shot(page, "forked");

    // Delete, after a confirmation: back to a new chat, gone from the list and the service.
    await page.goto(`${svc.url}/#/t/${id}`);
    await header.getByRole("heading", { name: "Weekend plans" }).waitFor();
    await header.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("alertdialog", { name: "Delete this thread?" });
    await shot(page, "delete-confirm");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await dialog.count()).toBe(0);
    await header.getByRole("button", { name: "Delete" }).click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await page.waitForURL(`${svc.url}/#/`);
    // (The fork has the same title: it is the link to the deleted one that must go.)
    await poll(() => page.locator(`a[href="#/t/${id}"]`).count()).toBe(0);
    expect(await page.locator(`a[href="#/t/${forkId}"]`).count()).toBe(1);
    expect((await fetch(`${svc.url}/api/threads/${id}`)).status).toBe(404);
    expect(await header.count()).toBe(0);
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("exports the open thread as JSON, Markdown and JSONL downloads", async () => {
    const id = await newThread("export me please", "Here you go.");
    const { context, page, errors } = await open(`${svc.url}/#/t/${id}`);
    const header = page.getByRole("region", { name: "Thread" });
    await header.getByRole("heading", { name: "export me please" }).waitFor();
    const downloaded: Record<string, { name: string; text: string }> = {};
    for (const label of ["JSON", "Markdown", "JSONL"]) {
      await header.getByRole("button", { name: "Export" }).click();
      if (label === "JSON") await shot(page, "export-menu");
      const download = page.waitForEvent("download");
      await page.getByRole("menuitem", { name: label, exact: true }).click();
      const file = await download;
      downloaded[label] = { name: file.suggestedFilename(), text: await readFile((await file.path())!, "utf8") };
    }
    const expected = async (format: string) => (await fetch(`${svc.url}/api/threads/${id}/export?format=${format}`)).text();
    expect(downloaded.JSON).toEqual({ name: `thread-${id}.json`, text: await expected("json") });
    expect(JSON.parse(downloaded.JSON.text).messages.map((m: { content: string }) => m.content)).toEqual(["export me please", "Here you go."]);
    expect(downloaded.Markdown).toEqual({ name: `thread-${id}.md`, text: await expected("markdown") });
    expect(downloaded.Markdown.text).toContain("Here you go.");
    expect(downloaded.JSONL).toEqual({ name: `thread-${id}.jsonl`, text: await expected("jsonl") });
    expect(downloaded.JSONL.text.trimEnd().split("\n").map((l) => JSON.parse(l).content)).toEqual(["export me please", "Here you go."]);
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("looks right in dark mode and at a phone's width, the list in a drawer", async () => {
    await newThread("a search target for the phone");
    const dark = await open(svc.url, { colorScheme: "dark" });
    await dark.page.getByRole("searchbox", { name: "Search threads" }).fill("phone");
    await dark.page.locator(".thread-snippet mark").first().waitFor();
    await shot(dark.page, "dark-search");
    expect(dark.errors.list).toEqual([]);
    await dark.context.close();

    const phone = await open(svc.url, { viewport: { width: 390, height: 844 } });
    const { page } = phone;
    expect(await page.getByRole("navigation", { name: "Threads" }).isVisible()).toBe(false);
    await page.getByRole("button", { name: "Threads" }).click();
    await threadLinks(page).first().waitFor();
    await shot(page, "phone-drawer");
    const first = threadLinks(page).first();
    const href = await first.getAttribute("href");
    await first.click();
    await page.waitForURL(`${svc.url}/${href}`);
    // Opening a thread closes the drawer; the header fits the width.
    await poll(() => page.getByRole("navigation", { name: "Threads" }).isVisible()).toBe(false);
    await page.getByRole("region", { name: "Thread" }).waitFor();
    await shot(page, "phone-thread");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(phone.errors.list).toEqual([]);
    await phone.context.close();
  });
});
