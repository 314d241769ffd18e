import { Agent, fetch as undiciFetch } from "undici";
import type { LookupFunction } from "node:net";
import { HostRefused, type PinnedAddress, resolveHost } from "../net/resolve-host.js";
import { AppError } from "../errors.js";
import { type ProviderPolicy, ProviderRefused } from "./provider-policy.js";

/** A `fetch` the OpenAI client takes, and the connections it keeps open between requests. */
export type ProviderFetch = typeof fetch & { close(): Promise<void> };

/** Connection pools kept per origin and pinned address; past this many the oldest is closed (gracefully). */
const MAX_AGENTS = 16;

/**
 * A `fetch` for provider connections (what the OpenAI client is given): http(s) only; each request
 * resolves the host once, is refused (ProviderRefused) when an address is one the policy keeps closed,
 * and connects to that very address, so a DNS answer that changes in between (rebinding) cannot send
 * it elsewhere. TLS is still checked against the URL's host name. A redirect is never followed: a 3xx
 * is a ProviderRefused, since following it would reach a host nobody checked.
 * `close()` lets its
 * connections go (when the service stops) once the requests in flight are done.
 */
export function providerFetch(policy: ProviderPolicy): ProviderFetch {
  const agents = new Map<string, Agent>();

  const agentFor = (origin: string, pinned: PinnedAddress): Agent => {
    const key = `${origin} ${pinned.address}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({ connect: { lookup: pinnedLookup(pinned) } });
      agents.set(key, agent);
      if (agents.size > MAX_AGENTS) {
        const [oldestKey, oldest] = agents.entries().next().value!;
        agents.delete(oldestKey);
        // close() lets requests in flight (a streamed answer) finish first.
        void oldest.close().catch(() => {});
      }
    }
    return agent;
  };

  const fetchPinned = async (input: string | URL | Request, given?: RequestInit) => {
    const isUrl = typeof input === "string" || input instanceof URL;
    const url = new URL(isUrl ? input : input.url);
    // A Request's own parts (this undici does not take the global Request class), the init's over them.
    const init = isUrl ? given : { method: input.method, headers: input.headers, body: input.body, signal: input.signal, duplex: "half", ...given };
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new ProviderRefused(`the provider URL must be http or https, not ${url.protocol.slice(0, -1)}`, "scheme");
    const pinned = await pin(url, policy);
    const response = await undiciFetch(url, { ...(init as object), redirect: "manual", dispatcher: agentFor(url.origin, pinned) });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {});
      throw new ProviderRefused(`the provider answered ${response.status}, a redirect, which is not followed`, "redirect", response.status);
    }
    return response as unknown as Response;
  };
  const close = async () => {
    const open = [...agents.values()];
    agents.clear();
    await Promise.all(open.map((agent) => agent.close().catch(() => {})));
  };
  return Object.assign(fetchPinned as typeof fetch, { close });
}

/** The address to connect to for this URL, or a ProviderRefused saying why there is none. */
export async function pin(url: URL, policy: ProviderPolicy): Promise<PinnedAddress> {
  try {
    return await resolveHost(url, policy.addresses, policy.lookup, policy.trustedOrigins.has(url.origin));
  } catch (err) {
    if (!(err instanceof HostRefused)) throw err;
    if (err.reason === "unresolved") throw new ProviderRefused(err.message, "unresolved");
    throw new ProviderRefused(`${err.message}, where providers may not connect unless PROVIDER_ALLOWED_HOSTS names it`, "address");
  }
}

/**
 * The check of a provider's `base_url` when it is created or changed: a 422 `address_refused` when its
 * host is (or resolves to) an address the policy keeps closed. A host that does not resolve now is
 * let through (a server not up yet); every connection checks again.
 */
export async function checkBaseUrl(baseUrl: string, policy: ProviderPolicy): Promise<void> {
  const url = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    const reason = "must be an absolute http or https URL";
    throw new AppError("invalid_request", `Invalid body: base_url: ${reason}`, { fields: [{ name: "base_url", reason }] });
  }
  try {
    await pin(url, policy);
  } catch (err) {
    if (!(err instanceof ProviderRefused)) throw err;
    if (err.reason === "unresolved") return;
    throw new AppError("address_refused", `base_url: ${err.message}.`, { fields: [{ name: "base_url", reason: err.message }] });
  }
}

/** A resolver that answers every question with the one address the host was checked at. */
function pinnedLookup(pinned: PinnedAddress): LookupFunction {
  return (_host, options, callback) => {
    if (options.all) (callback as unknown as (err: null, addresses: PinnedAddress[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
}
