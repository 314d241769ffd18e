import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, test } from "vitest";
import { startTestService, type TestService } from "../helpers/test-service.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots } from "./browser.js";

const shot = screenshots(import.meta.filename);

describe.skipIf(browserSkipReason)("debug", () => {
  let svc: TestService;
  let browser: Browser;
  beforeAll(async () => {
    ensureWebBuilt();
    svc = await startTestService();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close({ allowActiveRuns: true });
  });
  test.skip("join timing", async () => {
    svc.mock.script({ text: Array.from({ length: 20 }, (_, i) => `w${i}`).join(" "), tokenDelayMs: 100 });
    const { Client } = await import("@langchain/langgraph-sdk");
    const client = new Client({ apiUrl: svc.url });
    const t = await client.threads.create();
    const t0 = Date.now();
    const own = (async () => {
      for await (const ev of client.runs.stream(t.thread_id, "chat", { input: { messages: [{ type: "human", content: "x" }] }, streamMode: ["values", "messages-tuple"], streamResumable: true, onDisconnect: "continue" })) {
        if (ev.event === "metadata") {
          const runId = (ev.data as { run_id: string }).run_id;
          for (const lei of ["-1", undefined]) {
            void (async () => {
              for await (const j of client.runs.joinStream(t.thread_id, runId, { lastEventId: lei })) console.log("join", lei, Date.now() - t0, j.event, JSON.stringify(j.data).slice(0, 60));
            })();
          }
        }
        if (ev.event !== "messages") console.log("own", Date.now() - t0, ev.event);
      }
    })();
    await own;
    await new Promise((r) => setTimeout(r, 500));
  });
  test("follow", async () => {
    svc.mock.script([{ text: "First." }, { text: Array.from({ length: 30 }, (_, i) => `w${i}`).join(" "), tokenDelayMs: 90 }]);
    const a = await openPage(browser, svc.url);
    const box = a.page.getByRole("textbox", { name: "Message" });
    await box.fill("hello");
    await box.press("Enter");
    await a.page.getByText("First.").waitFor();
    await a.page.getByRole("button", { name: "Send" }).waitFor();
    const b = await openPage(browser, a.page.url());
    b.page.on("console", (m) => console.log("B console", m.type(), m.text()));
    await b.page.getByText("First.").waitFor();
    await new Promise((r) => setTimeout(r, 1000));
    await box.fill("count slowly");
    await box.press("Enter");
    const t0 = Date.now();
    for (let i = 0; i < 25; i++) {
      const txt = await b.page.getByRole("log").textContent();
      const atxt = await a.page.getByRole("log").textContent();
      console.log(Date.now() - t0, "B:", txt?.slice(-40), " A:", atxt?.slice(-40));
      await new Promise((r) => setTimeout(r, 200));
    }
    await a.context.close();
    await b.context.close();
  });
});
