import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chat } from "../helpers/sse-client.js";
import { startTestService, type TestService } from "../helpers/test-service.js";
import { writeManifest, type WrittenManifest } from "../helpers/write-manifest.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots, STEP_TIMEOUT_MS } from "./browser.js";

const shot = screenshots(import.meta.filename);
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: STEP_TIMEOUT_MS });
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// The chat graph (a context schema: model, temperature, system prompt…) and one that takes no settings.
describe.skipIf(browserSkipReason)("the assistant picker and editor", () => {
  let svc: TestService;
  let browser: Browser;
  let manifest: WrittenManifest;

  beforeAll(async () => {
    ensureWebBuilt();
    manifest = await writeManifest({
      graphs: { chat: path.join(ROOT, "graphs/chat.ts:graph"), counter: path.join(ROOT, "test/graphs/counter.ts:graph") },
    });
    svc = await startTestService({ env: { LANGGRAPH_JSON: manifest.file }, script: { text: "Arr." } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    await manifest?.remove();
  });

  const rest = async <T = any>(p: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${svc.url}${p}`, { ...init, headers: { "content-type": "application/json", ...init.headers } });
    expect(res.ok, `${p}: ${res.status}`).toBe(true);
    return (await res.json()) as T;
  };
  const open = async (url: string) => {
    const opened = await openPage(browser, url);
    opened.page.setDefaultTimeout(STEP_TIMEOUT_MS);
    return opened;
  };
  const picker = (page: Page) => page.getByRole("combobox", { name: "Assistant", exact: true });
  const editorTab = async (page: Page) => {
    await page.getByRole("tab", { name: "Assistant" }).click();
    return page.getByRole("form", { name: "Assistant settings" });
  };

  test("the picker lists the graphs and stored assistants; an open thread shows its own, read-only", async () => {
    const pirate = await rest("/api/assistants", { method: "POST", body: JSON.stringify({ graph_id: "chat", name: "Pirate", config: { temperature: 0.3 } }) });
    const { context, page, errors } = await open(svc.url);
    await poll(() => picker(page).locator("option").allTextContents()).toEqual(["chat", "counter", "Pirate (chat, v1)"]);
    expect(await picker(page).inputValue()).toBe("chat");
    await picker(page).selectOption({ label: "Pirate (chat, v1)" });
    // New chats start with it (the chat reads useApp().assistantId), and it is kept for the next visit.
    expect(await page.evaluate(() => localStorage.getItem("threadloom.assistant_id"))).toBe(pirate.assistant_id);
    await shot(page, "picker-new-chat");

    const threadId = (await chat(svc.url, { message: "ahoy", assistant_id: pirate.assistant_id })).headers.get("x-thread-id")!;
    await picker(page).selectOption("counter");
    await page.goto(`${svc.url}/#/t/${threadId}`);
    const threadPicker = page.getByRole("combobox", { name: "Thread's assistant" });
    await poll(() => threadPicker.inputValue()).toBe(pirate.assistant_id);
    expect(await threadPicker.isDisabled()).toBe(true);
    await shot(page, "picker-open-thread");
    // Back to a new chat: the choice for new chats is still there.
    await page.getByRole("button", { name: "New chat" }).click();
    await poll(() => picker(page).inputValue()).toBe("counter");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("edits a stored assistant: checked next to each field, saved as a new version", async () => {
    const created = await rest("/api/assistants", {
      method: "POST",
      body: JSON.stringify({ graph_id: "chat", name: "Helper", config: { temperature: 0.3, system_prompt: "Be kind.", custom_key: "kept" } }),
    });
    const id = created.assistant_id as string;
    const { context, page, errors } = await open(svc.url);
    await poll(() => picker(page).locator("option").allTextContents()).toContain("Helper (chat, v1)");
    await picker(page).selectOption(id);
    const form = await editorTab(page);
    await form.getByRole("heading", { name: "Helper" }).waitFor();
    const temperature = form.getByRole("spinbutton", { name: /^Temperature/ });
    const prompt = form.getByRole("textbox", { name: /^System prompt/ });
    // Prefilled from what the assistant stores (here its configurable).
    await poll(() => temperature.inputValue()).toBe("0.3");
    expect(await prompt.inputValue()).toBe("Be kind.");
    await shot(page, "editor-stored");

    // Out of the schema's range: refused next to the field, nothing saved.
    await temperature.fill("5");
    await form.getByRole("button", { name: "Save", exact: true }).click();
    await form.getByText("Temperature must be at most 2").waitFor();
    expect(await temperature.getAttribute("aria-invalid")).toBe("true");
    // The service's own 400 (a name over 200 characters) shows next to its field too.
    await temperature.fill("0.7");
    await form.getByRole("textbox", { name: "Name" }).fill("x".repeat(201));
    await form.getByRole("button", { name: "Save", exact: true }).click();
    await form.getByText("Name must be at most 200 characters").waitFor();
    await shot(page, "editor-errors");
    expect((await rest(`/assistants/${id}`)).version).toBe(1);

    await form.getByRole("textbox", { name: "Name" }).fill("Kind helper");
    await prompt.fill("Be kind and brief.");
    await form.getByRole("button", { name: "Save", exact: true }).click();
    await form.getByRole("status").filter({ hasText: "Saved: version 2." }).waitFor();
    await shot(page, "editor-saved");
    const saved = await rest(`/assistants/${id}`);
    expect(saved).toMatchObject({ version: 2, name: "Kind helper", context: { temperature: 0.7, system_prompt: "Be kind and brief." } });
    // The graph reads either place: both say the same; keys the form does not show are kept.
    expect(saved.config.configurable).toMatchObject({ temperature: 0.7, system_prompt: "Be kind and brief.", custom_key: "kept" });
    await poll(() => picker(page).locator("option:checked").textContent()).toBe("Kind helper (chat, v2)");

    // Clearing a field goes back to the graph's default: the key is removed.
    await temperature.fill("");
    await form.getByRole("button", { name: "Save", exact: true }).click();
    await form.getByRole("status").filter({ hasText: "Saved: version 3." }).waitFor();
    const cleared = await rest(`/assistants/${id}`);
    expect([cleared.context.temperature, cleared.config.configurable.temperature]).toEqual([undefined, undefined]);
    // The one error: Chromium's console line for the 400 provoked above.
    expect(errors.list).toEqual(["console: Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
    await context.close();
  });

  test("saves a graph's settings as a new assistant, which new chats then use", async () => {
    const { context, page, errors } = await open(svc.url);
    await poll(() => picker(page).inputValue()).toBe("chat");
    const form = await editorTab(page);
    await form.getByRole("heading", { name: "New assistant from “chat”" }).waitFor();
    await shot(page, "editor-graph");
    await form.getByRole("button", { name: "Save as new assistant" }).click();
    await form.getByText("Name must not be empty").waitFor();
    await form.getByRole("textbox", { name: "Name" }).fill("Terse");
    await form.getByRole("textbox", { name: /^System prompt/ }).fill("Answer in five words.");
    await form.getByRole("button", { name: "Save as new assistant" }).click();
    await form.getByRole("status").filter({ hasText: "Created “Terse” (version 1)" }).waitFor();
    const newId = await picker(page).inputValue();
    expect(newId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await rest(`/assistants/${newId}`)).toMatchObject({ graph_id: "chat", name: "Terse", version: 1, context: { system_prompt: "Answer in five words." } });
    await form.getByRole("heading", { name: "Terse" }).waitFor();
    await shot(page, "editor-created");

    // "New assistant" from a stored one starts from its graph.
    await form.getByRole("button", { name: "New assistant", exact: true }).click();
    await form.getByRole("heading", { name: "New assistant from “chat”" }).waitFor();
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("a graph without settings says so, and can still be saved as a named assistant", async () => {
    const { context, page, errors } = await open(svc.url);
    await poll(() => picker(page).locator("option").allTextContents()).toContain("counter");
    await picker(page).selectOption("counter");
    const form = await editorTab(page);
    await form.getByRole("heading", { name: "New assistant from “counter”" }).waitFor();
    await form.getByText("This graph takes no settings.").waitFor();
    expect(await form.getByRole("group").count()).toBe(0);
    await shot(page, "editor-no-settings");
    await form.getByRole("textbox", { name: "Name" }).fill("Counter A");
    await form.getByRole("button", { name: "Save as new assistant" }).click();
    await form.getByRole("status").filter({ hasText: "Created “Counter A”" }).waitFor();
    expect(await rest(`/assistants/${await picker(page).inputValue()}`)).toMatchObject({ graph_id: "counter", name: "Counter A" });
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("looks right in dark mode and at a phone's width", async () => {
    const dark = await openPage(browser, svc.url, { colorScheme: "dark" });
    const form = await editorTab(dark.page);
    await form.getByRole("spinbutton", { name: /^Temperature/ }).waitFor();
    await shot(dark.page, "editor-dark");
    expect(dark.errors.list).toEqual([]);
    await dark.context.close();

    const phone = await openPage(browser, svc.url, { viewport: { width: 390, height: 844 } });
    await picker(phone.page).waitFor();
    await shot(phone.page, "phone-topbar");
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(phone.errors.list).toEqual([]);
    await phone.context.close();
  });
});
