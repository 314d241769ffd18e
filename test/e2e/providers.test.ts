import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startMockOpenAI, type MockOpenAI } from "../helpers/mock-openai.js";
import { startTestService, type TestService } from "../helpers/test-service.js";
import { writeManifest, type WrittenManifest } from "../helpers/write-manifest.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots, STEP_TIMEOUT_MS } from "./browser.js";

const shot = screenshots(import.meta.filename);
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: STEP_TIMEOUT_MS });
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// Distinctive enough that finding any part of them on the page, or in what the page was sent, is a leak.
const WRONG_KEY = "sk-wrong-7f3c1d9e2b-WXYZ";
const RIGHT_KEY = "sk-right-4a8b6c0d2e-x9Qz";
const HEADER_VALUE = "org-secret-5e1f7a";

// The environment's model says one thing; the provider's (a second mock server, which wants its own
// key on every completion) says another: the reply shows which one answered.
describe.skipIf(browserSkipReason)("the Providers tab and an assistant on a provider", () => {
  let svc: TestService;
  let provider: MockOpenAI;
  let browser: Browser;
  let manifest: WrittenManifest;

  beforeAll(async () => {
    ensureWebBuilt();
    manifest = await writeManifest({ graphs: { chat: path.join(ROOT, "graphs/chat.ts:graph") } });
    provider = await startMockOpenAI((req) =>
      req.headers.authorization === `Bearer ${RIGHT_KEY}` ? { text: "Answered by the provider." } : { httpStatus: 401, errorMessage: "Incorrect API key provided" },
    );
    svc = await startTestService({
      env: { LANGGRAPH_JSON: manifest.file, SECRETS_KEY: randomBytes(32).toString("base64"), PROVIDER_ALLOWED_HOSTS: "127.0.0.1" },
      script: { text: "Answered by the environment." },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    await provider?.close();
    await manifest?.remove();
  });

  const rest = async <T = any>(p: string): Promise<T> => {
    const res = await fetch(`${svc.url}${p}`);
    expect(res.ok, `${p}: ${res.status}`).toBe(true);
    return (await res.json()) as T;
  };
  const tab = async (page: Page, name: "Providers" | "Assistant") => page.getByRole("tab", { name }).click();
  const field = (scope: Page | Locator, name: string) => scope.getByRole("textbox", { name, exact: true });
  /** Everything the page holds as text: what it shows and every input's value. */
  const pageText = (page: Page) =>
    page.evaluate(() => [document.body.innerText, ...[...document.querySelectorAll("input, textarea")].map((e) => (e as HTMLInputElement).value)].join("\n"));

  test("create, test, put an assistant on it, chat, and delete only once no assistant uses it", async () => {
    const { context, page, errors } = await openPage(browser, svc.url);
    // Every answer the page gets from the service, to check that none carries a secret.
    const bodies: string[] = [];
    page.on("response", (res) => void res.text().then((t) => bodies.push(t), () => {}));

    // Create: a key (the wrong one, to start with) and an extra header, both write-only.
    await tab(page, "Providers");
    await page.getByText("No providers yet.").waitFor();
    await page.getByRole("button", { name: "New provider" }).click();
    const create = page.getByRole("form", { name: "New provider" });
    await create.getByRole("button", { name: "Create provider" }).click();
    await create.getByText("Name: must not be empty").waitFor();
    await field(create, "Name").fill("second-mock");
    await create.getByRole("textbox", { name: "Base URL" }).fill(provider.baseURL);
    await create.getByLabel("API key", { exact: true }).fill(WRONG_KEY);
    await field(create, "Default model").fill("mock-model");
    await create.getByRole("button", { name: "Add header" }).click();
    await create.getByRole("textbox", { name: "Header 1 name" }).fill("X-Org");
    await create.getByLabel("Header 1 value").fill(HEADER_VALUE);
    await shot(page, "create-filled");
    await create.getByRole("button", { name: "Create provider" }).click();
    await page.getByRole("status").filter({ hasText: "Created “second-mock”." }).waitFor();
    const form = page.getByRole("form", { name: "Provider second-mock" });
    await form.getByText("Set, ends in WXYZ").waitFor();
    await form.getByRole("list", { name: "Stored headers" }).getByText("X-Org").waitFor();
    await shot(page, "created");
    const [stored] = (await rest<{ providers: any[] }>("/api/providers")).providers;
    expect(stored).toMatchObject({ name: "second-mock", base_url: provider.baseURL, api_key: { set: true, last4: "WXYZ" }, headers: ["X-Org"] });
    // Never rendered back: not as text, not in an input.
    expect(await pageText(page)).not.toContain(WRONG_KEY.slice(0, -4));
    expect(await pageText(page)).not.toContain(HEADER_VALUE);

    // Test: the wrong key is refused by the server, and the page says so.
    const test = page.getByRole("form", { name: "Test the provider" });
    await test.getByRole("button", { name: "Test" }).click();
    await test.getByRole("status").getByText("✗ Key refused").waitFor();
    await shot(page, "test-refused");

    // Replace the key, then the test passes.
    await form.getByRole("button", { name: "Replace key" }).click();
    await form.getByLabel("New API key").fill(RIGHT_KEY);
    await form.getByRole("button", { name: "Save", exact: true }).click();
    await form.getByText("Set, ends in x9Qz").waitFor();
    // Headers are replaced as a set: their names stay, every value is typed again.
    await form.getByRole("button", { name: "Change headers" }).click();
    expect(await form.getByRole("textbox", { name: "Header 1 name" }).inputValue()).toBe("X-Org");
    expect(await form.getByLabel("Header 1 value").inputValue()).toBe("");
    await form.getByLabel("Header 1 value").fill(HEADER_VALUE);
    await form.getByRole("button", { name: "Add header" }).click();
    await form.getByRole("textbox", { name: "Header 2 name" }).fill("X-Team");
    await form.getByLabel("Header 2 value").fill("blue");
    await form.getByRole("button", { name: "Save", exact: true }).click();
    await form.getByRole("list", { name: "Stored headers" }).getByText("X-Team").waitFor();
    await test.getByRole("button", { name: "Test" }).click();
    await test.getByRole("status").getByText("✓ Works").waitFor();
    await shot(page, "test-ok");
    expect(await pageText(page)).not.toContain(RIGHT_KEY.slice(0, -4));

    // An assistant on it: the editor's provider select lists it beside the environment's default.
    await tab(page, "Assistant");
    const editor = page.getByRole("form", { name: "Assistant settings" });
    await editor.getByRole("heading", { name: "New assistant from “chat”" }).waitFor();
    const select = editor.getByRole("combobox", { name: "Model provider" });
    await poll(() => select.locator("option").allTextContents()).toEqual(["Environment default", "second-mock"]);
    await field(editor, "Name").fill("On the provider");
    await select.selectOption({ label: "second-mock" });
    await field(editor, "Model").fill("mock-model");
    await shot(page, "assistant-on-provider");
    await editor.getByRole("button", { name: "Save as new assistant" }).click();
    await editor.getByRole("status").filter({ hasText: "Created “On the provider” (version 1)" }).waitFor();
    const assistantId = await page.getByRole("combobox", { name: "Assistant", exact: true }).inputValue();
    const assistant = await rest(`/assistants/${assistantId}`);
    expect(assistant.config.configurable).toMatchObject({ provider_id: stored.provider_id, model: "mock-model" });

    // A chat with it: the provider's server answers, with its key and header.
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("Who answers?");
    await box.press("Enter");
    const log = page.getByRole("log", { name: "Conversation" });
    await log.getByRole("article", { name: "Assistant reply" }).getByText("Answered by the provider.").waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor();
    // Under the reply, the mirror's record of which provider answered.
    await poll(() => log.getByLabel("Reply usage").textContent()).toMatch(/^mock-model on second-mock · /);
    await shot(page, "chat-on-provider");
    const completion = provider.requests.at(-1)!;
    expect(completion.headers).toMatchObject({ authorization: `Bearer ${RIGHT_KEY}`, "x-org": HEADER_VALUE, "x-team": "blue" });
    expect(completion.messages.at(-1)).toMatchObject({ role: "user", content: "Who answers?" });

    // Delete is refused while the assistant's latest version uses it; the page names the assistant.
    await tab(page, "Providers");
    await page.getByRole("list", { name: "Providers" }).getByRole("button", { name: /second-mock/ }).click();
    await page.getByRole("button", { name: "Delete provider" }).click();
    await page.getByRole("alertdialog", { name: "Delete “second-mock”?" }).getByRole("button", { name: "Delete" }).click();
    const refused = page.getByRole("alert").filter({ hasText: "Not deleted" });
    await refused.getByRole("list", { name: "Assistants using this provider" }).getByText("On the provider").waitFor();
    await shot(page, "delete-refused");

    // Back to the environment's model (a new version), and then the delete goes through.
    await tab(page, "Assistant");
    await editor.getByRole("heading", { name: "On the provider" }).waitFor();
    await poll(() => select.inputValue()).toBe(stored.provider_id);
    await select.selectOption({ label: "Environment default" });
    await field(editor, "Model").fill("");
    await editor.getByRole("button", { name: "Save", exact: true }).click();
    await editor.getByRole("status").filter({ hasText: "Saved: version 2." }).waitFor();
    expect((await rest(`/assistants/${assistantId}`)).config.configurable.provider_id).toBeUndefined();
    await tab(page, "Providers");
    await page.getByRole("list", { name: "Providers" }).getByRole("button", { name: /second-mock/ }).click();
    await page.getByRole("button", { name: "Delete provider" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await page.getByRole("status").filter({ hasText: "Deleted “second-mock”." }).waitFor();
    await page.getByText("No providers yet.").waitFor();
    await poll(() => log.getByLabel("Reply usage").textContent()).toMatch(/^mock-model on a deleted provider · /);
    await shot(page, "deleted");

    // Nothing the service sent the page held a secret.
    for (const secret of [WRONG_KEY, RIGHT_KEY, HEADER_VALUE]) expect(bodies.filter((b) => b.includes(secret))).toEqual([]);
    // The expected errors: Chromium's console lines for the refused delete (409).
    expect(errors.list.filter((e) => !e.includes("409 (Conflict)"))).toEqual([]);
    await context.close();
  });

  test("the service's refusals show where they belong: a closed address, no SECRETS_KEY, a name taken", async () => {
    // A service as installed by default: no SECRETS_KEY, private and loopback addresses closed.
    const plain = await startTestService({ env: { LANGGRAPH_JSON: manifest.file } });
    try {
      const { context, page, errors } = await openPage(browser, plain.url);
      await tab(page, "Providers");
      await page.getByRole("button", { name: "New provider" }).click();
      const create = page.getByRole("form", { name: "New provider" });
      await field(create, "Name").fill("local");
      await create.getByRole("textbox", { name: "Base URL" }).fill(provider.baseURL);
      await create.getByLabel("API key", { exact: true }).fill(RIGHT_KEY);
      await create.getByRole("button", { name: "Create provider" }).click();
      // Beside the field it is about (the service names base_url)...
      await create.getByText(/^Base URL: .*127\.0\.0\.1/).waitFor();
      expect(await create.getByRole("textbox", { name: "Base URL" }).getAttribute("aria-invalid")).toBe("true");
      await shot(page, "refused-address");
      // ...or above Save: no key to encrypt secrets with, and how to set one.
      await create.getByRole("textbox", { name: "Base URL" }).fill("https://models.example.invalid/v1");
      await create.getByRole("button", { name: "Create provider" }).click();
      await create.getByRole("alert").getByText(/SECRETS_KEY.*openssl rand -base64 32/).waitFor();
      await shot(page, "no-secrets-key");
      // Without a key it needs none; the list says so.
      await create.getByLabel("API key", { exact: true }).fill("");
      await create.getByRole("button", { name: "Create provider" }).click();
      await page.getByRole("status").filter({ hasText: "Created “local”." }).waitFor();
      await page.getByRole("list", { name: "Providers" }).getByText("no key").waitFor();
      await page.getByRole("form", { name: "Provider local" }).getByRole("textbox", { name: "API key" }).waitFor();
      // A second one by the same name: the 409 names the field.
      await page.getByRole("button", { name: "New provider" }).click();
      await field(create, "Name").fill("local");
      await create.getByRole("textbox", { name: "Base URL" }).fill("https://other.example.invalid/v1");
      await create.getByRole("button", { name: "Create provider" }).click();
      await create.getByText("Name: already used by another provider").waitFor();
      await shot(page, "name-taken");
      expect(errors.list.filter((e) => !/status of (422|409)/.test(e))).toEqual([]);
      await context.close();
    } finally {
      await plain.close();
    }
  });

  test("looks right in dark mode and at a phone's width", async () => {
    const dark = await openPage(browser, svc.url, { colorScheme: "dark" });
    await tab(dark.page, "Providers");
    await dark.page.getByRole("button", { name: "New provider" }).click();
    await dark.page.getByRole("form", { name: "New provider" }).waitFor();
    await shot(dark.page, "dark");
    expect(dark.errors.list).toEqual([]);
    await dark.context.close();

    const phone = await openPage(browser, svc.url, { viewport: { width: 390, height: 844 } });
    await phone.page.getByRole("button", { name: "Inspector panel" }).click();
    await tab(phone.page, "Providers");
    await phone.page.getByRole("button", { name: "New provider" }).click();
    await phone.page.getByRole("form", { name: "New provider" }).waitFor();
    await shot(phone.page, "phone");
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(phone.errors.list).toEqual([]);
    await phone.context.close();
  });
});
