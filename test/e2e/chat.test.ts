import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/test-service.js";
import type { WrittenManifest } from "../helpers/write-manifest.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots } from "./browser.js";
import { writeChatManifest } from "./chat-manifest.js";

const shot = screenshots(import.meta.filename);

describe.skipIf(browserSkipReason)("chat: send, stream, tools, memory, stop", () => {
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

  test("a message streams token by token, then the reply shows its model, tokens and timings", async () => {
    svc.mock.script({ text: "Hello there, this reply arrives one word at a time so you can watch it.", tokenDelayMs: 120, firstTokenDelayMs: 200 });
    const { context, page, errors } = await openPage(browser, svc.url);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("Say hello");
    await box.press("Enter");
    const log = page.getByRole("log", { name: "Conversation" });
    await log.getByRole("article", { name: "Your message" }).getByText("Say hello").waitFor();
    // Part of the reply is on the page while the rest is still coming.
    await log.getByText("Hello there,").waitFor();
    expect(await log.getByText("watch it.").count()).toBe(0);
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await shot(page, "streaming");
    await log.getByText("so you can watch it.").waitFor();
    const usage = log.getByLabel("Reply usage");
    await usage.waitFor();
    expect(await usage.textContent()).toMatch(/mock-model · \d+ in \/ \d+ out tokens · TTFT \d+ ms · latency \d+ ms/);
    await page.getByRole("button", { name: "Send" }).waitFor();
    // The new thread is open by its id, and the list shows it.
    expect(page.url()).toMatch(/#\/t\/[0-9a-f-]{36}$/);
    await expect.poll(() => log.getByRole("article", { name: "Assistant reply" }).count()).toBe(1);
    await shot(page, "replied");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("a tool call is a card: a spinner while it runs, then its duration and result", async () => {
    svc.mock.script([
      { toolCalls: [{ name: "slow_lookup", args: { topic: "otters", ms: 1500 } }] },
      { text: "Otters hold hands while they sleep.", firstTokenDelayMs: 800, tokenDelayMs: 50 },
    ]);
    const { context, page, errors } = await openPage(browser, svc.url);
    await page.evaluate(() => localStorage.setItem("threadloom.assistant_id", "slow"));
    await page.reload();
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("tell me about otters");
    await box.press("Enter");
    const card = page.getByRole("group", { name: "Tool call slow_lookup" });
    await card.getByRole("status", { name: "running" }).waitFor();
    await shot(page, "tool-running");
    await card.getByText(/done · \d+ ms/).waitFor();
    await card.getByText("Result").click();
    await card.getByText("Looked up otters.").waitFor();
    await page.getByText("Otters hold hands while they sleep.").waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor();
    expect(await card.getByRole("status", { name: "running" }).count()).toBe(0);
    await shot(page, "tool-done");
    // After a reload the result is still there, from the tool message.
    await page.reload();
    const again = page.getByRole("group", { name: "Tool call slow_lookup" });
    await again.getByText("Result").click();
    await again.getByText("Looked up otters.").waitFor();
    await page.evaluate(() => localStorage.removeItem("threadloom.assistant_id"));
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("the calculator's card shows its result", async () => {
    svc.mock.script([{ toolCalls: [{ name: "calculator", args: { expression: "12*7" } }] }, { text: "12 times 7 is 84.", firstTokenDelayMs: 500 }]);
    const { context, page, errors } = await openPage(browser, svc.url);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("what is 12*7?");
    await box.press("Enter");
    const card = page.getByRole("group", { name: "Tool call calculator" });
    await card.getByText(/done · \d+ ms/).waitFor();
    await card.getByText("Result").click();
    await card.getByText("84", { exact: true }).waitFor();
    await page.getByText("12 times 7 is 84.").waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor();
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("a second question's model request carries the first turn", async () => {
    svc.mock.script([{ text: "Noted: 42." }, { text: "You asked me to remember 42." }]);
    const before = svc.mock.requests.length;
    const { context, page, errors } = await openPage(browser, svc.url);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("remember 42");
    await box.press("Enter");
    await page.getByText("Noted: 42.").waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor();
    await box.fill("what did I ask you to remember?");
    await box.press("Enter");
    await page.getByText("You asked me to remember 42.").waitFor();
    const second = svc.mock.requests[before + 1];
    const texts = second.messages.map((m: { content: unknown }) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)));
    expect(texts).toEqual(expect.arrayContaining(["remember 42", "Noted: 42.", "what did I ask you to remember?"]));
    await expect.poll(() => page.getByRole("article", { name: "Assistant reply" }).count()).toBe(2);
    await shot(page, "two-turns");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("Stop (and Esc) cancels the run; the partial reply stays", async () => {
    svc.mock.script({ text: Array.from({ length: 80 }, (_, i) => `word${i}`).join(" "), tokenDelayMs: 100 });
    const { context, page, errors } = await openPage(browser, svc.url);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("talk a lot");
    await box.press("Enter");
    await page.getByText(/word3\b/).waitFor();
    await page.getByRole("button", { name: "Stop" }).click();
    await page.getByRole("button", { name: "Send" }).waitFor();
    await expect.poll(() => svc.service.runs.activeCount).toBe(0);
    const text = await page.getByRole("article", { name: "Assistant reply" }).textContent();
    expect(text).toContain("word3");
    expect(text).not.toContain("word79");
    await shot(page, "stopped");
    // Esc stops too.
    await box.fill("again");
    await box.press("Enter");
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await expect.poll(() => page.getByRole("article", { name: "Assistant reply" }).count()).toBe(2);
    await page.getByRole("article", { name: "Assistant reply" }).nth(1).getByText(/word2\b/).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Send" }).waitFor();
    await expect.poll(() => svc.service.runs.activeCount).toBe(0);
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("edit a user message and regenerate a reply make branches; ‹ 1 / 2 › switches between them", async () => {
    svc.mock.script([{ text: "First answer." }, { text: "Second answer." }, { text: "Answer to the edit." }]);
    const { context, page, errors } = await openPage(browser, svc.url);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("tell me something");
    await box.press("Enter");
    await page.getByText("First answer.").waitFor();
    await page.getByRole("button", { name: "Regenerate reply" }).waitFor();
    await page.getByRole("button", { name: "Regenerate reply" }).click();
    await page.getByText("Second answer.").waitFor();
    const reply = page.getByRole("article", { name: "Assistant reply" });
    await reply.getByRole("group", { name: "Versions" }).getByText("2 / 2").waitFor();
    expect(await page.getByText("First answer.").count()).toBe(0);
    await shot(page, "regenerated");
    await reply.getByRole("button", { name: "Previous version" }).click();
    await page.getByText("First answer.").waitFor();
    await reply.getByRole("group", { name: "Versions" }).getByText("1 / 2").waitFor();
    await shot(page, "previous-version");
    await reply.getByRole("button", { name: "Next version" }).click();
    await page.getByText("Second answer.").waitFor();

    await page.getByRole("button", { name: "Edit message" }).click();
    const edited = page.getByRole("textbox", { name: "Edited message" });
    await edited.fill("tell me something else");
    await shot(page, "editing");
    await page.getByRole("button", { name: "Save and run" }).click();
    await page.getByText("Answer to the edit.").waitFor();
    const mine = page.getByRole("article", { name: "Your message" });
    await mine.getByText("tell me something else").waitFor();
    await mine.getByRole("group", { name: "Versions" }).getByText("2 / 2").waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor();
    expect(await page.getByRole("article", { name: "Assistant reply" }).count()).toBe(1);
    await shot(page, "edited");
    await mine.getByRole("button", { name: "Previous version" }).click();
    await mine.getByText("tell me something", { exact: true }).waitFor();
    await page.getByText("Second answer.").waitFor();
    expect(errors.list).toEqual([]);
    await context.close();
  });
});
