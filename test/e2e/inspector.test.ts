import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MockRequest } from "../helpers/mock-openai.js";
import { chat } from "../helpers/sse-client.js";
import { startTestService, type TestService } from "../helpers/test-service.js";
import { writeManifest, type WrittenManifest } from "../helpers/write-manifest.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots, STEP_TIMEOUT_MS } from "./browser.js";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const shot = screenshots(import.meta.filename);

type Entry = { checkpoint_id: string; parent_checkpoint_id: string | null; step: number; source: string; writers: string[]; next: string[] };
type Msg = { role: string; content: string };

// The mock model: "calc" asks for the calculator, then answers; "slow" streams slowly; else a reply.
let replies = 0;
function script(req: MockRequest) {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: "The answer is 42." };
  const text = String(last?.content ?? "");
  if (text.includes("calc")) return { toolCalls: [{ name: "calculator", args: { expression: "6*7" } }] };
  if (text.includes("slow")) return { text: Array.from({ length: 40 }, (_, i) => `word${i}`).join(" "), tokenDelayMs: 60 };
  return { text: `reply ${++replies}` };
}

describe.skipIf(browserSkipReason)("the inspector", () => {
  let svc: TestService;
  let browser: Browser;
  let manifest: WrittenManifest;
  const get = async (p: string) => (await fetch(`${svc.url}${p}`)).json();
  const history = async (id: string): Promise<Entry[]> => (await get(`/api/threads/${id}/history?limit=200`)).checkpoints;
  const transcript = async (id: string) => ((await get(`/api/threads/${id}`)).messages as Msg[]).map((m) => `${m.role}: ${m.content}`);
  const rows = (page: Page) => page.getByRole("list", { name: "Checkpoints" }).getByRole("button", { name: /^Step / });

  // A missing element fails with its locator well before the test's own timeout.
  const open = async (url: string, options?: Parameters<typeof openPage>[2]) => {
    const opened = await openPage(browser, url, options);
    opened.page.setDefaultTimeout(STEP_TIMEOUT_MS);
    return opened;
  };
  let threadId: string;

  beforeAll(async () => {
    ensureWebBuilt();
    manifest = await writeManifest({
      graphs: { chat: path.join(ROOT, "graphs/chat.ts:graph"), counter: path.join(ROOT, "test/graphs/counter.ts:graph") },
    });
    svc = await startTestService({ env: { LANGGRAPH_JSON: manifest.file }, script });
    browser = await launchBrowser();
    threadId = (await chat(svc.url, { message: "calc 6*7 please", thread_id: "inspect-me" })).headers.get("x-thread-id")!;
    await chat(svc.url, { message: "second turn", thread_id: threadId });
    await chat(svc.url, { message: "third turn", thread_id: threadId });
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    await manifest?.remove();
  });

  test("draws the chat graph, lists every checkpoint with its writer, shows a checkpoint's state and diff", async () => {
    const { context, page, errors } = await open(`${svc.url}/#/t/${threadId}`);
    const graph = page.getByRole("figure", { name: "Graph" });
    await graph.getByRole("group", { name: "agent", exact: true }).waitFor();
    await expect(graph.getByRole("group", { name: "tools", exact: true }).count()).resolves.toBe(1);
    const thread = await get(`/api/threads/${threadId}`);
    await expect(page.getByText(thread.thread_uuid, { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByText("inspect-me", { exact: true }).count()).resolves.toBe(1);

    const all = await history(threadId);
    await expect.poll(() => rows(page).count()).toBe(all.length);
    await expect(rows(page).filter({ hasText: "tools" }).count()).resolves.toBe(1);
    const headRow = rows(page).first();
    await expect(headRow.getAttribute("aria-label")).resolves.toMatch(/^Step \d+ loop by agent, 1 message added, head$/);
    await shot(page, "timeline");

    // The first turn's end: the model's answer after the tool.
    const firstEnd = [...all].reverse().find((c) => c.next.length === 0 && c.writers.includes("agent"))!;
    await page.getByRole("button", { name: `Step ${firstEnd.step} loop by agent, 1 message added` }).click();
    const detail = page.getByRole("region", { name: `Checkpoint at step ${firstEnd.step}` });
    const changes = detail.getByRole("list", { name: "Changes from the parent checkpoint" });
    await changes.getByText("assistant: The answer is 42.").waitFor();
    const messages = detail.getByRole("list", { name: "Messages" }).getByRole("listitem");
    await expect(messages.allInnerTexts()).resolves.toEqual(["user calc 6*7 please", "assistant → calculator", "tool 42", "assistant The answer is 42."]);
    await shot(page, "older-checkpoint-selected");

    // The running node of a checkpoint's next is marked: the one before the tool ran.
    const beforeTool = all.find((c) => c.next.includes("tools"))!;
    await page.getByRole("button", { name: new RegExp(`^Step ${beforeTool.step} loop by agent`) }).click();
    await graph.getByRole("group", { name: "tools, runs next" }).waitFor();
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("runs from an old checkpoint: a new branch, the timeline reloads", async () => {
    const { context, page, errors } = await open(`${svc.url}/#/t/${threadId}`);
    await rows(page).first().waitFor();
    const all = await history(threadId);
    const firstEnd = [...all].reverse().find((c) => c.next.length === 0 && c.writers.includes("agent"))!;
    await page.getByRole("button", { name: `Step ${firstEnd.step} loop by agent, 1 message added` }).click();
    const detail = page.getByRole("region", { name: `Checkpoint at step ${firstEnd.step}` });
    await detail.getByRole("button", { name: "Run from here" }).click();
    await detail.getByRole("textbox", { name: "Message" }).fill("a branch from turn one");
    await detail.getByRole("button", { name: "Run", exact: true }).click();
    await detail.getByRole("status").filter({ hasText: "ended: success" }).waitFor();
    expect(await transcript(threadId)).toEqual([
      "user: calc 6*7 please", "assistant: ", "tool: 42", "assistant: The answer is 42.", "user: a branch from turn one", expect.stringMatching(/^assistant: reply \d+$/),
    ]);
    await expect.poll(async () => rows(page).count()).toBe((await history(threadId)).length);
    await expect.poll(() => rows(page).first().getAttribute("aria-label")).toMatch(/loop by agent, 1 message added, head$/);
    await shot(page, "ran-from-old-checkpoint");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("edits the state: an update checkpoint becomes the head; forks into a new thread with the old state", async () => {
    const { context, page, errors } = await open(`${svc.url}/#/t/${threadId}`, { colorScheme: "dark" });
    await rows(page).first().click();
    const detail = page.getByRole("region", { name: /^Checkpoint at step/ });
    await detail.getByRole("button", { name: "Edit state" }).click();
    await detail.getByRole("textbox", { name: "Message to append" }).fill("a note from the inspector");
    await shot(page, "edit-state-dark");
    await detail.getByRole("button", { name: "Save state" }).click();
    await expect.poll(() => rows(page).first().getAttribute("aria-label")).toMatch(/ update by __update__, 1 message added, head$/);
    expect((await transcript(threadId)).at(-1)).toBe("user: a note from the inspector");
    await shot(page, "state-edited-dark");

    const all = await history(threadId);
    const firstEnd = [...all].reverse().find((c) => c.next.length === 0 && c.writers.includes("agent"))!;
    await page.getByRole("button", { name: `Step ${firstEnd.step} loop by agent, 1 message added` }).click();
    await page.getByRole("region", { name: `Checkpoint at step ${firstEnd.step}` }).getByRole("button", { name: "Fork from here" }).click();
    await page.waitForFunction((old) => !location.hash.endsWith(old), `/${threadId}`);
    const forkId = decodeURIComponent(new URL(page.url()).hash.replace("#/t/", ""));
    await page.getByText(forkId, { exact: true }).first().waitFor();
    expect(await transcript(forkId)).toEqual(["user: calc 6*7 please", "assistant: ", "tool: 42", "assistant: The answer is 42."]);
    await rows(page).first().waitFor();
    await shot(page, "forked-dark");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  // The run is started by REST, not by the page's chat: the inspector sees the thread busy and
  // lights the newest checkpoint's next node while the slow reply streams.
  test("lights the running node while a run streams", async () => {
    const { context, page, errors } = await open(`${svc.url}/#/t/${threadId}`);
    const graph = page.getByRole("figure", { name: "Graph" });
    await graph.getByRole("group", { name: "agent", exact: true }).waitFor();
    const run = chat(svc.url, { message: "slow please", thread_id: threadId });
    const lit = graph.getByRole("group", { name: "agent, running" });
    await lit.waitFor();
    await expect(lit.getAttribute("aria-current")).resolves.toBe("step");
    await shot(page, "running-node-lit");
    expect((await run).events.at(-1)!.data.status).toBe("success");
    await graph.getByRole("group", { name: "agent", exact: true }).waitFor();
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("works for a graph without messages: state only, edit and run from a checkpoint", async () => {
    const res = await chat(svc.url, { assistant_id: "counter", input: { items: ["start"] } });
    const counterId = res.headers.get("x-thread-id")!;
    const { context, page, errors } = await open(`${svc.url}/#/t/${counterId}`);
    const graph = page.getByRole("figure", { name: "Graph" });
    await graph.getByRole("group", { name: "tock", exact: true }).waitFor();
    await rows(page).first().waitFor();
    await expect(rows(page).allInnerTexts()).resolves.toHaveLength(4);
    await page.getByRole("button", { name: /^Step 1 loop by tick$/ }).click();
    const detail = page.getByRole("region", { name: "Checkpoint at step 1" });
    await detail.getByRole("list", { name: "Changes from the parent checkpoint" }).getByText("changed: 0 → 1").waitFor();
    await expect(detail.getByRole("list", { name: "Messages" }).count()).resolves.toBe(0);
    await shot(page, "counter-selected");

    await detail.getByRole("button", { name: "Edit state" }).click();
    const values = detail.getByRole("textbox", { name: /^Values/ });
    await values.fill(JSON.stringify({ items: ["start", "tick"], count: 100 }));
    await detail.getByRole("combobox", { name: "As node" }).selectOption("tick");
    await detail.getByRole("button", { name: "Save state" }).click();
    await expect.poll(() => rows(page).first().getAttribute("aria-label")).toMatch(/^Step 2 update by __update__, head$/);
    const state = await get(`/api/threads/${counterId}/state`);
    expect(state.values).toEqual({ items: ["start", "tick"], count: 101, messages: [] });

    await rows(page).first().click();
    const head = page.getByRole("region", { name: "Checkpoint at step 2" });
    await head.getByRole("button", { name: "Run from here" }).click();
    await head.getByRole("textbox", { name: "Input (JSON)" }).fill(JSON.stringify({ items: ["again"] }));
    await head.getByRole("button", { name: "Run", exact: true }).click();
    await head.getByRole("status").filter({ hasText: "ended: success" }).waitFor();
    expect((await get(`/api/threads/${counterId}/state`)).values).toEqual({ items: ["start", "tick", "again", "tick", "tock"], count: 112, messages: [] });
    await shot(page, "counter-ran");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  // 20 runs of 4 checkpoints: the first page of 50 is shown at once, the rest as the list scrolls.
  test("loads older checkpoints as the timeline scrolls", async () => {
    const first = await chat(svc.url, { assistant_id: "counter", input: { items: ["run 1"] } });
    const id = first.headers.get("x-thread-id")!;
    for (let i = 2; i <= 20; i++) await chat(svc.url, { thread_id: id, input: { items: [`run ${i}`] } });
    const { context, page, errors } = await open(`${svc.url}/#/t/${id}`);
    await rows(page).first().waitFor();
    await expect(rows(page).count()).resolves.toBe(50);
    await rows(page).nth(49).scrollIntoViewIfNeeded();
    await expect.poll(() => rows(page).count()).toBe(80);
    await expect(rows(page).last().getAttribute("aria-label")).resolves.toBe("Step -1 input by __input__");
    await expect(page.getByRole("button", { name: "Older checkpoints" }).count()).resolves.toBe(0);
    await shot(page, "scrolled-to-the-first-checkpoint");
    expect(errors.list).toEqual([]);
    await context.close();
  });
});
