import type { Provider } from "./provider-repository.js";

/**
 * The one shape a provider leaves the service in: never its key nor its headers' values, only
 * whether a key is set (with its last 4 characters) and the headers' names.
 */
export function providerJson(p: Provider) {
  return {
    provider_id: p.providerId,
    name: p.name,
    kind: p.kind,
    base_url: p.baseUrl,
    default_model: p.defaultModel,
    timeout_ms: p.timeoutMs,
    api_key: { set: p.apiKey.set, last4: p.apiKey.last4 },
    headers: p.headerNames,
    metadata: p.metadata,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}
