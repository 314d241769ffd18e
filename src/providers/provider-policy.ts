import type { lookup as dnsLookup } from "node:dns/promises";
import { AddressPolicy } from "../net/address-policy.js";

/** Where provider connections may go. */
export interface ProviderPolicy {
  /** PROVIDER_ALLOWED_HOSTS: the loopback, private and link-local hosts opened to providers. */
  addresses: AddressPolicy;
  /**
   * Origins of the environment's own model servers (OPENAI_BASE_URL, the demo model): the operator
   * chose them, so a provider on the same origin may be reached whatever its address.
   */
  trustedOrigins: ReadonlySet<string>;
  /** The resolver (tests answer from a table; DNS otherwise). */
  lookup?: typeof dnsLookup;
}

/** The policy from PROVIDER_ALLOWED_HOSTS and the base URLs of the environment's model servers. */
export function providerPolicy(allowedHosts: readonly string[], ownBaseUrls: readonly (string | undefined)[], lookup?: typeof dnsLookup): ProviderPolicy {
  const trustedOrigins = new Set(ownBaseUrls.flatMap((url) => (url && URL.canParse(url) ? [new URL(url).origin] : [])));
  return { addresses: new AddressPolicy(allowedHosts), trustedOrigins, ...(lookup && { lookup }) };
}

/** Why a provider connection was not made; `reason` lets the test route classify it. */
export class ProviderRefused extends Error {
  constructor(message: string, readonly reason: "address" | "unresolved" | "scheme" | "redirect", readonly status?: number) {
    super(message);
    this.name = "ProviderRefused";
  }
}
