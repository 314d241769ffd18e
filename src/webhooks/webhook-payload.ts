import { runObject } from "../agent-api/run-object.js";
import { shownValue } from "../agent-api/shown-thread.js";
import { toRun } from "../runs/run-repository.js";
import type { WebhookDelivery } from "./webhook-repository.js";

/**
 * What a webhook receives, as LangGraph's server sends it: the run as the API shows it, when it
 * started and ended, when this was sent, its final values, and its error's message if it failed.
 */
export function webhookPayload(d: WebhookDelivery, values: unknown, sentAt: Date): Record<string, unknown> {
  const row = d.run;
  const run = toRun({ ...row, created_at: new Date(String(row.created_at)), updated_at: new Date(String(row.updated_at)) });
  const thread = { threadId: run.threadId, shownId: d.shownThreadId };
  const iso = (value: unknown) => (typeof value === "string" ? new Date(value).toISOString() : null);
  const error = run.error ? (run.error.raised?.message ?? run.error.message) : undefined;
  return {
    ...runObject(run, thread.shownId),
    run_started_at: iso(row.started_at) ?? iso(row.created_at),
    run_ended_at: iso(row.ended_at),
    webhook_sent_at: sentAt.toISOString(),
    values: values === undefined ? null : shownValue(values, thread),
    ...(error !== undefined && { error }),
  };
}
