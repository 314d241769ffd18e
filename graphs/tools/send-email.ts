import { tool } from "@langchain/core/tools";
import { z } from "zod";
import type { OutboxEmail } from "../../src/outbox/outbox-repository.js";
import { claimFromConfig, type RunClaim } from "../../src/runs/run-claim.js";
import { REQUIRES_APPROVAL } from "../lib/tool-approval.js";

/** Where the tool records e-mails: the service passes its `OutboxRepository`, fenced by the run's claim. */
export interface Outbox {
  record(email: OutboxEmail, claim: RunClaim): Promise<{ id: string }>;
}

export const sendEmailArgs = z.object({
  to: z.email("must be an e-mail address").describe("The recipient's e-mail address"),
  subject: z.string().trim().min(1).max(200).describe("The subject line"),
  body: z.string().min(1).max(20_000).describe("The plain-text message"),
});

/**
 * Sends an e-mail, which here means recording it in the outbox: nothing leaves the machine. It
 * acts on someone's behalf, so it is marked as needing a human's approval before each call runs.
 * The thread and tenant come from the run's `configurable`, never from the model, and so does the
 * run's claim: the e-mail is recorded only by the run that holds it, once per tool call.
 */
export function createSendEmailTool(outbox: Outbox) {
  return tool(
    async ({ to, subject, body }, config) => {
      const threadId = config?.configurable?.thread_id as string | undefined;
      const tenantId = config?.configurable?.tenant_id as string | undefined;
      const toolCallId = config?.toolCall?.id;
      const claim = claimFromConfig(config);
      // Only a graph wired without them gets here; the model can do nothing about it.
      if (!threadId || !tenantId || !toolCallId || !claim) {
        throw new Error("send_email needs configurable.thread_id, configurable.tenant_id, the run's claim and a tool call id");
      }
      const { id } = await outbox.record({ threadId, tenantId, toolCallId, to, subject, body }, claim);
      return `E-mail #${id} to ${to} with the subject "${subject}" was sent (recorded in the outbox).`;
    },
    {
      name: "send_email",
      description: "Send an e-mail on the user's behalf. The user is asked to approve, edit or reject each e-mail before it is sent.",
      schema: sendEmailArgs,
      metadata: { [REQUIRES_APPROVAL]: true },
    },
  );
}
