import { ApiError } from "./api-error";
import { authHeaders } from "./api-key";

export interface ApiClient {
  /** JSON in, JSON out; a problem answer throws an ApiError. */
  json<T>(path: string, init?: { method?: string; body?: unknown; signal?: AbortSignal }): Promise<T>;
  /** The raw response (downloads, streams); a problem answer throws an ApiError. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Calls the service on this page's origin with the caller's key; `onUnauthorized` hears every 401. */
export function createApiClient(getKey: () => string | null, onUnauthorized: () => void): ApiClient {
  async function send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(authHeaders(getKey()))) headers.set(name, value);
    let res: Response;
    try {
      res = await fetch(path, { ...init, headers });
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      throw new ApiError(0, "Network error", "The service could not be reached.");
    }
    if (res.ok) return res;
    if (res.status === 401) onUnauthorized();
    throw await ApiError.from(res);
  }
  return {
    fetch: send,
    async json<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}) {
      const res = await send(path, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        signal: init.signal,
        headers: init.body === undefined ? {} : { "content-type": "application/json" },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      return (res.status === 204 ? undefined : await res.json()) as T;
    },
  };
}
