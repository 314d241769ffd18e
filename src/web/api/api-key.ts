// The API key lives in this tab's session storage only: never in a URL, never in local storage.
const STORAGE_KEY = "threadloom.api_key";

export function readApiKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function saveApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  else sessionStorage.removeItem(STORAGE_KEY);
}

/** What every request carries when a key is set: the header both API keys and most custom auth read. */
export function authHeaders(key: string | null): Record<string, string> {
  return key ? { Authorization: `Bearer ${key}` } : {};
}
