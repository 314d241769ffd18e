import type { lookup as dnsLookup } from "node:dns/promises";
import type { AddressPolicy } from "../net/address-policy.js";
import { HostRefused, type PinnedAddress, resolveHost } from "../net/resolve-host.js";


/** Where a run's `webhook` goes: a path of the manifest's http.app, or a URL on another server. */
export type WebhookTarget = { kind: "path"; path: string } | { kind: "url"; url: URL };

/** A webhook that may not be sent; `retryable` when trying later may help (DNS did not answer). */
export class WebhookRefused extends Error {
  constructor(message: string, readonly retryable = false) {
    super(message);
    this.name = "WebhookRefused";
  }
}

/**
 * Reads a `webhook` value: a path (`/custom/webhook`, delivered in-process to http.app), or an
 * absolute http(s) URL. Anything else is a WebhookRefused saying what is expected.
 */
export function webhookTarget(raw: string): WebhookTarget {
  // "//host/x" is a URL without its scheme, and "/\\host" is one to browsers: neither is a path.
  if (raw.startsWith("/") && !raw.startsWith("//") && !raw.startsWith("/\\")) {
    const url = new URL(raw, "http://localhost");
    return { kind: "path", path: `${url.pathname}${url.search}` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookRefused("must be an absolute http or https URL, or a path starting with / (for the manifest's http.app)");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new WebhookRefused(`must be an http or https URL, not ${url.protocol.slice(0, -1)}`);
  return { kind: "url", url };
}

/**
 * Resolves the URL's host once and checks its addresses against the policy (see `resolveHost`);
 * returns the address to connect to, the refusal as a WebhookRefused saying what opens it.
 */
export async function resolveWebhookHost(url: URL, policy: AddressPolicy, lookup?: typeof dnsLookup): Promise<PinnedAddress> {
  try {
    return await resolveHost(url, policy, lookup);
  } catch (err) {
    if (!(err instanceof HostRefused)) throw err;
    if (err.reason === "unresolved") throw new WebhookRefused(err.message, true);
    throw new WebhookRefused(`${err.message}, where webhooks may not go unless WEBHOOK_ALLOWED_HOSTS names it`);
  }
}
