import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { AddressPolicy } from "./address-policy.js";

/** An address a URL's host resolved to, which its connection is pinned to. */
export interface PinnedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * A host that may not be connected to: `unresolved` when DNS gave no answer (trying later may help),
 * `refused` when an address it has is one the policy keeps closed. The message says which
 * ("its host x resolves to 10.0.0.7, a private address"); callers add what opens it.
 */
export class HostRefused extends Error {
  constructor(message: string, readonly reason: "unresolved" | "refused") {
    super(message);
    this.name = "HostRefused";
  }
}

/** How long a host name may take to resolve. */
const LOOKUP_TIMEOUT_MS = 5_000;

/** The URL's host without the brackets of an IPv6 literal. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, "");

/**
 * Resolves the URL's host once and checks every address it has against the policy (a name the
 * policy lists passes whatever it resolves to; `trusted` skips the check, still resolving once);
 * returns the address to connect to, so that the request goes where the check looked (a DNS answer
 * that changes in between cannot send it elsewhere).
 */
export async function resolveHost(url: URL, policy: AddressPolicy, lookup: typeof dnsLookup = dnsLookup, trusted = false): Promise<PinnedAddress> {
  const host = hostOf(url);
  const literal = isIP(host);
  let addresses: PinnedAddress[];
  if (literal) {
    addresses = [{ address: host, family: literal as 4 | 6 }];
  } else {
    try {
      const found = await withTimeout(lookup(host, { all: true, verbatim: true }), LOOKUP_TIMEOUT_MS);
      addresses = found.map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
    } catch (err) {
      throw new HostRefused(`its host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, "unresolved");
    }
    if (addresses.length === 0) throw new HostRefused(`its host ${host} resolves to no address`, "unresolved");
  }
  if (!trusted && !policy.allowsName(host)) {
    for (const { address } of addresses) {
      const refusal = policy.refusal(address);
      if (refusal) throw new HostRefused(literal ? `its host ${host} is ${refusal}` : `its host ${host} resolves to ${address}, ${refusal}`, "refused");
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
