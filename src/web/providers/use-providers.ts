import { useEffect, useState, useSyncExternalStore } from "react";
import type { Provider, ProviderTestResult } from "../api/types";
import type { ApiClient } from "../api/api-client";
import { useApp } from "../shell/app-context";

// Every list of providers on the page reloads when one changes: the assistant editor's select sees
// a provider the Providers tab just created.
let version = 0;
const listeners = new Set<() => void>();
export function providersChanged(): void {
  version += 1;
  for (const listener of listeners) listener();
}
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

// One request per change for every hook on the page (each reply's usage line names its provider).
let shared: { key: string | null; version: number; request: Promise<Provider[]> } | null = null;
function loadProviders(api: ApiClient, key: string | null): Promise<Provider[]> {
  if (shared?.key !== key || shared.version !== version) {
    const request = api.json<{ providers: Provider[] }>("/api/providers").then((found) => found.providers);
    shared = { key, version, request };
    // A failure is not kept: the next hook to ask tries again.
    request.catch(() => shared?.request === request && (shared = null));
  }
  return shared.request;
}

/** The tenant's providers, by name; null until the first answer. `enabled` false asks nothing. */
export function useProviders(enabled = true): { providers: Provider[] | null; error: string | null } {
  const { api, apiKey } = useApp();
  const changed = useSyncExternalStore(subscribe, () => version);
  const [providers, setProviders] = useState<Provider[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    loadProviders(api, apiKey)
      .then((found) => live && (setProviders(found), setError(null)))
      .catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [apiKey, changed, enabled]); // eslint-disable-line react-hooks/exhaustive-deps
  return { providers, error };
}

/**
 * A provider's name by id, for showing which one answered: undefined while the list is not in (or
 * could not be read), null when the tenant has no such provider any more.
 */
export function useProviderName(providerId: string | null | undefined): string | null | undefined {
  const { providers } = useProviders(Boolean(providerId));
  if (!providerId || !providers) return undefined;
  return providers.find((p) => p.provider_id === providerId)?.name ?? null;
}

const path = (id: string) => `/api/providers/${encodeURIComponent(id)}`;

/** The REST calls the Providers tab makes; each change tells every list to reload. */
export function providerActions(api: ApiClient) {
  const changing = async <T>(call: Promise<T>): Promise<T> => {
    const result = await call;
    providersChanged();
    return result;
  };
  return {
    create: (body: Record<string, unknown>) => changing(api.json<Provider>("/api/providers", { body })),
    update: (id: string, body: Record<string, unknown>) => changing(api.json<Provider>(path(id), { method: "PATCH", body })),
    remove: (id: string) => changing(api.json<void>(path(id), { method: "DELETE" })),
    test: (id: string, model?: string) => api.json<ProviderTestResult>(`${path(id)}/test`, { body: model ? { model } : {} }),
  };
}
