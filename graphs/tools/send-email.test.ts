import { randomUUID } from "node:crypto";
import { ToolMessage } from "@langchain/core/messages";
import { beforeAll, describe, expect, it } from "vitest";
import { StoreRepository } from "../../src/store/store-repository.js";
import { TenantStore } from "../../src/store/tenant-store.js";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { needsApproval } from "../lib/tool-approval.js";
import { createSendEmailTool, outboxNamespace } from "./send-email.js";

// The tool as a graph's tool node calls it: with the run's config, whose store is the service's.
describe("send_email", () => {
  let db: TestDatabase;
  let store: TenantStore;
  const threadId = randomUUID();
  const args = { to: "bob@example.com", subject: "Lunch", body: "Noon at the usual place?" };
  const asToolCall = (a: Record<string, unknown>, id: string = randomUUID()) => ({ id, name: "send_email", args: a, type: "tool_call" as const });
  const config = () => ({ configurable: { thread_id: threadId }, store });
  const sent = async () => (await store.search(outboxNamespace(threadId), { limit: 100 })).map((item) => item.value);

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new TenantStore(new StoreRepository(db.pool), "acme");
  });

  it("is marked as needing approval", () => {
    const sendEmail = createSendEmailTool();
    expect(sendEmail.name).toBe("send_email");
    expect(needsApproval(sendEmail)).toBe(true);
  });

  // The thread comes from the run, never from the model's arguments; the key is the tool call.
  it("records the e-mail in the outbox of the run's thread, once per tool call", async () => {
    const result = (await createSendEmailTool().invoke(asToolCall(args, "call_a"), config())) as ToolMessage;
    await createSendEmailTool().invoke(asToolCall({ ...args, body: "replayed" }, "call_a"), config());
    expect(await sent()).toEqual([expect.objectContaining({ ...args, thread_id: threadId, tool_call_id: "call_a" })]);
    expect(result).toBeInstanceOf(ToolMessage);
    expect(result.content).toBe('E-mail to bob@example.com with the subject "Lunch" was sent (recorded in the outbox as call_a).');
  });

  it.each([
    [{ ...args, to: "bob" }, "to"],
    [{ ...args, to: "bob@" }, "to"],
    [{ ...args, subject: "  " }, "subject"],
    [{ ...args, body: "" }, "body"],
    [{ to: args.to, subject: args.subject }, "body"],
  ])("rejects %j (%s) without recording anything", async (bad, field) => {
    const before = (await sent()).length;
    await expect(createSendEmailTool().invoke(asToolCall(bad), config())).rejects.toThrow(new RegExp(`did not match expected schema[\\s\\S]*${field}`));
    expect(await sent()).toHaveLength(before);
  });

  it("refuses to run without the run's thread or a store", async () => {
    await expect(createSendEmailTool().invoke(asToolCall(args), { store } as never)).rejects.toThrow(/thread_id/);
    await expect(createSendEmailTool().invoke(asToolCall(args), { configurable: { thread_id: threadId } })).rejects.toThrow(/store/);
  });
});
