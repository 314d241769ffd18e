import { tool } from "@langchain/core/tools";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { REQUIRES_APPROVAL } from "../lib/tool-approval.js";

/** An e-mail the agent sent, as the store keeps it under `outboxNamespace(threadId)`, by tool call id. */
export interface OutboxEmail {
  to: string;
  subject: string;
  body: string;
  thread_id: string;
  tool_call_id: string;
  sent_at: string;
}

export const outboxNamespace = (threadId: string) => ["outbox", threadId];

export const sendEmailArgs = z.object({
  to: z.email("must be an e-mail address").describe("The recipient's e-mail address"),
  subject: z.string().trim().min(1).max(200).describe("The subject line"),
  body: z.string().min(1).max(20_000).describe("The plain-text message"),
});

/**
 * Sends an e-mail, which here means recording it in the outbox, in the store the server gives the
 * graph (threadloom's PostgreSQL store, or `langgraphjs dev`'s): nothing leaves the machine. It acts
 * on someone's behalf, so it is marked as needing a human's approval before each call runs. The
 * thread comes from the run, never from the model; the item's key is the tool call's id, so a call
 * replayed (a run retried after a crash) finds its e-mail already there and records it once.
 */
export function createSendEmailTool() {
  return tool(
    async ({ to, subject, body }, config: LangGraphRunnableConfig & { toolCall?: { id?: string } }) => {
      const threadId = config?.configurable?.thread_id as string | undefined;
      const toolCallId = config?.toolCall?.id;
      const store = config?.store;
      // Only a graph run without them gets here; the model can do nothing about it.
      if (!threadId || !toolCallId || !store) throw new Error("send_email needs the run's thread_id, a tool call id and a store");
      const namespace = outboxNamespace(threadId);
      if (!(await store.get(namespace, toolCallId))) {
        const email: OutboxEmail = { to, subject, body, thread_id: threadId, tool_call_id: toolCallId, sent_at: new Date().toISOString() };
        await store.put(namespace, toolCallId, { ...email }, false);
      }
      return `E-mail to ${to} with the subject "${subject}" was sent (recorded in the outbox as ${toolCallId}).`;
    },
    {
      name: "send_email",
      description: "Send an e-mail on the user's behalf. The user is asked to approve, edit or reject each e-mail before it is sent.",
      schema: sendEmailArgs,
      metadata: { [REQUIRES_APPROVAL]: true },
    },
  );
}
