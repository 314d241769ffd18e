import { randomUUID } from "node:crypto";
import { ToolMessage } from "@langchain/core/messages";
import { beforeAll, describe, expect, it } from "vitest";
import { OutboxRepository } from "../../src/outbox/outbox-repository.js";
import { CLAIM_CONFIG_KEY } from "../../src/runs/run-claim.js";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { needsApproval } from "../lib/tool-approval.js";
import { createSendEmailTool } from "./send-email.js";

describe("send_email", () => {
  let db: TestDatabase;
  let outbox: OutboxRepository;
  let threadId: string;
  const args = { to: "bob@example.com", subject: "Lunch", body: "Noon at the usual place?" };
  const asToolCall = (a: Record<string, unknown>, id: string = randomUUID()) => ({ id, name: "send_email", args: a, type: "tool_call" as const });
  const claim = { runId: randomUUID(), workerId: 7, leaseEpoch: 3 };
  const configurable = () => ({ thread_id: threadId, tenant_id: "acme", [CLAIM_CONFIG_KEY]: claim });

  beforeAll(async () => {
    db = await createTestDatabase();
    outbox = new OutboxRepository(db.pool);
    threadId = randomUUID();
    await db.pool.query("INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id) VALUES ($1, 'acme', 'u', 'chat', 'chat')", [threadId]);
    // The run the tool is called from, holding its claim.
    await db.pool.query(
      "INSERT INTO runs (run_id, thread_id, tenant_id, graph_id, assistant_id, status, worker_id, lease_epoch) VALUES ($1, $2, 'acme', 'chat', 'chat', 'running', $3, $4)",
      [claim.runId, threadId, claim.workerId, claim.leaseEpoch],
    );
  });

  it("is marked as needing approval", () => {
    const sendEmail = createSendEmailTool(outbox);
    expect(sendEmail.name).toBe("send_email");
    expect(needsApproval(sendEmail)).toBe(true);
  });

  // The thread and tenant come from the run, never from the model's arguments.
  it("records the e-mail in the outbox of the run's thread and tenant", async () => {
    const result = (await createSendEmailTool(outbox).invoke(asToolCall(args, "call_a"), { configurable: configurable() })) as ToolMessage;
    const [row] = await outbox.listForThread(threadId, "acme");
    expect(row).toMatchObject({ ...args, threadId, tenantId: "acme", toolCallId: "call_a" });
    expect(result).toBeInstanceOf(ToolMessage);
    expect(result.content).toBe(`E-mail #${row.id} to bob@example.com with the subject "Lunch" was sent (recorded in the outbox).`);
  });

  it.each([
    [{ ...args, to: "bob" }, "to"],
    [{ ...args, to: "bob@" }, "to"],
    [{ ...args, subject: "  " }, "subject"],
    [{ ...args, body: "" }, "body"],
    [{ to: args.to, subject: args.subject }, "body"],
  ])("rejects %j (%s) without recording anything", async (bad, field) => {
    const before = (await outbox.listForThread(threadId, "acme")).length;
    await expect(createSendEmailTool(outbox).invoke(asToolCall(bad), { configurable: configurable() })).rejects.toThrow(new RegExp(`did not match expected schema[\\s\\S]*${field}`));
    expect(await outbox.listForThread(threadId, "acme")).toHaveLength(before);
  });

  it("refuses to run without the run's thread, tenant and claim", async () => {
    await expect(createSendEmailTool(outbox).invoke(asToolCall(args), { configurable: { thread_id: threadId, [CLAIM_CONFIG_KEY]: claim } })).rejects.toThrow(/tenant_id/);
    await expect(createSendEmailTool(outbox).invoke(asToolCall(args), { configurable: { thread_id: threadId, tenant_id: "acme" } })).rejects.toThrow(/claim/);
  });
});
