import type { Provider } from "../api/types";

/** One extra header as typed: its value is write-only, so an edit types every value again. */
export interface HeaderRow {
  name: string;
  value: string;
}

/** What the key field asks for: the service never sends the key back, so there is nothing to edit. */
export type KeyChange = { action: "keep" } | { action: "remove" } | { action: "replace"; value: string };

/** The provider form's state: every field as typed. */
export interface ProviderDraft {
  name: string;
  baseUrl: string;
  defaultModel: string;
  timeoutMs: string;
  apiKey: KeyChange;
  /** null keeps the stored headers; a list replaces all of them (the API replaces the whole set). */
  headers: HeaderRow[] | null;
}

export type ProviderField = "name" | "base_url" | "default_model" | "timeout_ms" | "api_key" | "headers";

export const DEFAULT_TIMEOUT_MS = 60_000;

// RFC 9110 token characters; the service refuses the same names (a header it must set itself).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN_HEADERS = ["host", "authorization", "content-length", "transfer-encoding", "connection"];

export function emptyDraft(): ProviderDraft {
  return { name: "", baseUrl: "", defaultModel: "", timeoutMs: String(DEFAULT_TIMEOUT_MS), apiKey: { action: "keep" }, headers: [] };
}

/** A stored provider as the form starts: key and headers kept unless the user changes them. */
export function draftOf(p: Provider): ProviderDraft {
  return { name: p.name, baseUrl: p.base_url, defaultModel: p.default_model ?? "", timeoutMs: String(p.timeout_ms), apiKey: { action: "keep" }, headers: null };
}

/** The headers' problem, or null: checked here so the message sits next to the field. */
export function headersError(rows: HeaderRow[]): string | null {
  const seen = new Set<string>();
  for (const { name, value } of rows) {
    const n = name.trim();
    if (!TOKEN.test(n)) return n ? `“${n}” is not a valid header name` : "every header needs a name";
    if (FORBIDDEN_HEADERS.includes(n.toLowerCase())) return `${n} cannot be set (the service sets it)`;
    if (seen.has(n.toLowerCase())) return `${n} is listed twice`;
    seen.add(n.toLowerCase());
    if (value === "") return `${n} needs a value`;
  }
  return null;
}

function urlError(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return "must be an absolute URL, e.g. https://api.openai.com/v1";
  }
  return url.protocol === "http:" || url.protocol === "https:" ? null : "must start with http:// or https://";
}

/**
 * The request body for POST (no `original`) or PATCH (only what changed), or the errors by field.
 * Checked here first for a message beside each field; the service checks again.
 */
export function providerBody(draft: ProviderDraft, original: Provider | null): { body: Record<string, unknown> } | { errors: Partial<Record<ProviderField, string>> } {
  const errors: Partial<Record<ProviderField, string>> = {};
  const name = draft.name.trim();
  if (!name) errors.name = "must not be empty";
  else if (name.length > 100) errors.name = "must be at most 100 characters";
  const baseUrl = draft.baseUrl.trim();
  const badUrl = urlError(baseUrl);
  if (badUrl) errors.base_url = badUrl;
  const timeout = Number(draft.timeoutMs.trim() || DEFAULT_TIMEOUT_MS);
  if (!Number.isInteger(timeout) || timeout < 1000 || timeout > 600_000) errors.timeout_ms = "must be a whole number from 1000 to 600000";
  if (draft.apiKey.action === "replace" && draft.apiKey.value === "") errors.api_key = "must not be empty (or keep the current one)";
  const badHeaders = draft.headers && headersError(draft.headers);
  if (badHeaders) errors.headers = badHeaders;
  if (Object.keys(errors).length > 0) return { errors };

  const defaultModel = draft.defaultModel.trim() || null;
  const body: Record<string, unknown> = {};
  if (!original || name !== original.name) body.name = name;
  if (!original || baseUrl !== original.base_url) body.base_url = baseUrl;
  if (original ? defaultModel !== original.default_model : defaultModel !== null) body.default_model = defaultModel;
  if (original ? timeout !== original.timeout_ms : timeout !== DEFAULT_TIMEOUT_MS) body.timeout_ms = timeout;
  if (draft.apiKey.action === "replace") body.api_key = draft.apiKey.value;
  else if (draft.apiKey.action === "remove" && original) body.api_key = null;
  if (draft.headers && (original || draft.headers.length > 0)) {
    body.headers = Object.fromEntries(draft.headers.map((h) => [h.name.trim(), h.value]));
  }
  return { body };
}

/** A 4xx's invalid_params name (`base_url`, `headers.X-Org`) as the form field that shows it. */
export function providerFieldOf(param: string): ProviderField | null {
  const head = param.split(/[.[]/)[0];
  return (["name", "base_url", "default_model", "timeout_ms", "api_key", "headers"] as const).find((f) => f === head) ?? null;
}
