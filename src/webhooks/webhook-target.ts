import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { WebhookPolicy } from "./webhook-policy.js";

/** Where a run's `webhook` goes: a path of the manifest's http.app, or a URL on another server. */
export type WebhookTarget = { kind: "path"; path: string } | { kind: "url"; url: URL };

/** An address a URL's host resolved to, which its connection is pinned to. */
export interface PinnedAddress {
  address: string;
  family: 4 | 6;
}

/** A webhook that may not be sent; `retryable` when trying later may help (DNS did not answer). */
export class WebhookRefused extends Error {
  constructor(message: string, readonly retryable = false) {
    super(message);
    this.name = "WebhookRefused";
  }
}

/** How long a host name may take to resolve. */
const LOOKUP_TIMEOUT_MS = 5_000;

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
 * Resolves the URL's host once and checks every address it has against the policy (a name
 * WEBHOOK_ALLOWED_HOSTS lists passes whatever it resolves to); returns the address to connect to,
 * so that the request goes where the check looked (a DNS answer that changes in between cannot send
 * it elsewhere).
 */
export async function resolveWebhookHost(url: URL, policy: WebhookPolicy, lookup: typeof dnsLookup = dnsLookup): Promise<PinnedAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const literal = isIP(host);
  let addresses: PinnedAddress[];
  if (literal) {
    addresses = [{ address: host, family: literal as 4 | 6 }];
  } else {
    try {
      const found = await withTimeout(lookup(host, { all: true, verbatim: true }), LOOKUP_TIMEOUT_MS);
      addresses = found.map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
    } catch (err) {
      throw new WebhookRefused(`its host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, true);
    }
    if (addresses.length === 0) throw new WebhookRefused(`its host ${host} resolves to no address`, true);
  }
  if (!policy.allowsName(host)) {
    for (const { address } of addresses) {
      const refusal = policy.refusal(address);
      if (refusal) {
        const named = literal ? `its host ${host} is ${refusal}` : `its host ${host} resolves to ${address}, ${refusal}`;
        throw new WebhookRefused(`${named}, where webhooks may not go unless WEBHOOK_ALLOWED_HOSTS names it`);
      }
    }
  }
  return addresses[0]!;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("timed out"), { code: "ETIMEOUT" })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
