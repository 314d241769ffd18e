import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sentEmails } from "../helpers/outbox.js";
import { startTestService, type TestService } from "../helpers/test-service.js";
import { browserSkipReason, ensureWebBuilt, launchBrowser, openPage, screenshots } from "./browser.js";

const shot = screenshots(import.meta.filename);
const EMAIL = { to: "bob@example.com", subject: "Lunch", body: "Noon at the usual place?" };

describe.skipIf(browserSkipReason)("approvals: a paused send_email is approved, edited or rejected in the page", () => {
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

  /** Asks for the e-mail; returns the thread's id once the pause shows. */
  async function pause(page: Page, reply: string): Promise<string> {
    svc.mock.script([{ toolCalls: [{ name: "send_email", args: EMAIL }] }, { text: reply }]);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("email bob about lunch");
    await box.press("Enter");
    await page.getByRole("region", { name: "Approval needed" }).waitFor();
    await page.getByRole("group", { name: "Tool call send_email" }).getByText("waiting for approval").waitFor();
    return decodeURIComponent(page.url().split("#/t/")[1]);
  }

  test("approve: the e-mail is recorded and the run carries on", async () => {
    const { context, page, errors } = await openPage(browser, svc.url);
    const threadId = await pause(page, "Sent it.");
    await shot(page, "paused");
    // The composer waits for the decision.
    expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    // A reload finds the pause again, from the thread's state.
    await page.reload();
    const review = page.getByRole("region", { name: "Review send_email" });
    await review.getByLabel("Arguments").waitFor();
    expect(await review.getByLabel("Arguments").textContent()).toContain('"to": "bob@example.com"');
    await review.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Sent it.").waitFor();
    await page.getByRole("group", { name: "Tool call send_email" }).getByText(/done/).waitFor();
    expect((await sentEmails(svc.db.pool, threadId)).map((e) => e.to)).toEqual(["bob@example.com"]);
    expect(await page.getByRole("region", { name: "Approval needed" }).count()).toBe(0);
    await shot(page, "approved");
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("edit: the form over the arguments runs the call with the edited ones", async () => {
    const { context, page, errors } = await openPage(browser, svc.url);
    const threadId = await pause(page, "Sent to Carol instead.");
    const review = page.getByRole("region", { name: "Review send_email" });
    await review.getByRole("button", { name: "Edit" }).click();
    await review.getByRole("textbox", { name: /^to/ }).fill("carol@example.com");
    await shot(page, "editing");
    await review.getByRole("button", { name: "Run with these arguments" }).click();
    await page.getByText("Sent to Carol instead.").waitFor();
    expect((await sentEmails(svc.db.pool, threadId)).map((e) => e.to)).toEqual(["carol@example.com"]);
    expect(errors.list).toEqual([]);
    await context.close();
  });

  test("reject: nothing is sent and the model is told why", async () => {
    const { context, page, errors } = await openPage(browser, svc.url);
    const threadId = await pause(page, "All right, I will not send it.");
    const review = page.getByRole("region", { name: "Review send_email" });
    await review.getByRole("button", { name: "Reject" }).click();
    await review.getByRole("textbox", { name: "Reason for rejecting" }).fill("Not today.");
    await review.getByRole("button", { name: "Confirm reject" }).click();
    await page.getByText("All right, I will not send it.").waitFor();
    expect(await sentEmails(svc.db.pool, threadId)).toEqual([]);
    const card = page.getByRole("group", { name: "Tool call send_email" });
    await card.getByText("Result").click();
    await card.getByText(/Not today\./).waitFor();
    const told = svc.mock.requests.at(-1)!.messages.find((m: { role: string }) => m.role === "tool");
    expect(String(told.content)).toContain("Not today.");
    await shot(page, "rejected");
    expect(errors.list).toEqual([]);
    await context.close();
  });
});
