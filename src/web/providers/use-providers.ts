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

/** The tenant's providers, by name; null until the first answer. */
export function useProviders(): { providers: Provider[] | null; error: string | null } {
  const { api, apiKey } = useApp();
  const changed = useSyncExternalStore(subscribe, () => version);
  const [providers, setProviders] = useState<Provider[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    api
      .json<{ providers: Provider[] }>("/api/providers", { signal: abort.signal })
      .then((found) => (setProviders(found.providers), setError(null)))
      .catch((err: Error) => err.name !== "AbortError" && setError(err.message));
    return () => abort.abort();
  }, [apiKey, changed]); // eslint-disable-line react-hooks/exhaustive-deps
  return { providers, error };
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
