import { AppError } from "../errors.js";
import type { AddressPolicy } from "../net/address-policy.js";
import { resolveWebhookHost, WebhookRefused, webhookTarget } from "./webhook-target.js";

/** Checks a run's `webhook` when the run is created; a problem is a 400 naming `webhook`. */
export type CheckWebhook = (raw: string) => Promise<void>;

/**
 * The check of a new run's `webhook`: a path needs the manifest's http.app to deliver it to; a URL
 * must be http(s) and its host must resolve, to addresses the policy allows (checked again, and
 * pinned, when it is sent).
 */
export function webhookChecker(policy: AddressPolicy, hasCustomApp: boolean): CheckWebhook {
  return async (raw) => {
    try {
      const target = webhookTarget(raw);
      if (target.kind === "path") {
        if (!hasCustomApp) throw new WebhookRefused("is a path, which is delivered to the manifest's http.app, and langgraph.json names no http.app");
        return;
      }
      await resolveWebhookHost(target.url, policy);
    } catch (err) {
      if (!(err instanceof WebhookRefused)) throw err;
      throw new AppError("invalid_request", `Invalid body: webhook: ${err.message}`, { fields: [{ name: "webhook", reason: err.message }] });
    }
  };
}
