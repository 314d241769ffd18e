import { z } from "zod";
import { containsNul } from "../http/validate.js";

/**
 * Headers the client cannot set: Authorization comes from `api_key`, the rest belong to the
 * connection (the fetch client sets or refuses them, and a wrong one could smuggle a second request).
 */
const REFUSED_HEADERS: Record<string, string> = {
  host: "is set from base_url",
  authorization: "is set from api_key; give the key as api_key",
  "proxy-authorization": "belongs to the connection, not to the provider",
  ...Object.fromEntries(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "expect"].map((h) => [h, "is set by the connection"])),
};
/** RFC 9110 `token`. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$/;
/** What a header value may hold: visible Latin-1 and spaces (the fetch client refuses the rest), never CR or LF. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]{1,4096}$/;
const MAX_HEADERS = 32;
const CONTROL = /[\u0000-\u001f\u007f]/;

const text = (max: number) =>
  z.string("must be a string").trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`).refine((v) => !CONTROL.test(v), "must not contain control characters");

const baseUrl = z
  .string("must be a string")
  .trim()
  .max(2000, "must be at most 2000 characters")
  .transform((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: "custom", message: 'must be an absolute http(s) URL, such as "https://api.openai.com/v1"' });
      return z.NEVER;
    }
    const problem = url.protocol !== "http:" && url.protocol !== "https:" ? "must be an http or https URL"
      // Reads show the URL: a key in it would be shown too.
      : url.username || url.password ? "must not hold a user name or password; give the key as api_key"
      : url.search || url.hash ? "must not have a query or fragment (the client appends paths such as /chat/completions)"
      : null;
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, "");
  });

// Trimmed: a key pasted with its newline would otherwise fail every request.
const apiKey = z.string("must be a string or null").trim().min(1, "must not be empty (null removes the key)").max(4096, "must be at most 4096 characters")
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces").nullable();

const headers = z.record(z.string(), z.string("must be a string"), "must be an object of header names to values").superRefine((given, ctx) => {
  const seen = new Set<string>();
  const names = Object.keys(given);
  if (names.length > MAX_HEADERS) ctx.addIssue({ code: "custom", message: `must have at most ${MAX_HEADERS} headers` });
  for (const name of names) {
    const lower = name.toLowerCase();
    // The value is never repeated in a message: it is a secret.
    const problem = !HEADER_NAME.test(name) ? "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)"
      : REFUSED_HEADERS[lower] ? `cannot be set: ${name} ${REFUSED_HEADERS[lower]}`
      : seen.has(lower) ? "is given twice (header names are case-insensitive)"
      : !HEADER_VALUE.test(given[name]!) ? "value must be 1 to 4096 visible characters (no line breaks)"
      : null;
    seen.add(lower);
    if (problem) ctx.addIssue({ code: "custom", path: [name], message: problem });
  }
});

const metadata = z.record(z.string(), z.unknown(), "must be an object")
  .refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters")
  .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= 16_384, "must be at most 16384 bytes as JSON");

const fields = {
  name: text(100),
  kind: z.literal("openai-compatible", 'must be "openai-compatible" (the only kind for now)'),
  base_url: baseUrl,
  api_key: apiKey,
  default_model: text(200).nullable(),
  headers,
  timeout_ms: z.number("must be an integer").int("must be an integer").min(1000, "must be from 1000 to 600000").max(600_000, "must be from 1000 to 600000"),
  metadata,
};

/** POST /api/providers. */
export const createProviderBody = z.strictObject({
  name: fields.name,
  kind: fields.kind.optional(),
  base_url: fields.base_url,
  api_key: fields.api_key.optional(),
  default_model: fields.default_model.optional(),
  headers: fields.headers.optional(),
  timeout_ms: fields.timeout_ms.optional(),
  metadata: fields.metadata.optional(),
});

/** PATCH /api/providers/:provider_id: any of the same fields; `api_key: null` removes the key, `headers` replaces them all. */
export const patchProviderBody = z.strictObject({
  name: fields.name.optional(),
  kind: fields.kind.optional(),
  base_url: fields.base_url.optional(),
  api_key: fields.api_key.optional(),
  default_model: fields.default_model.optional(),
  headers: fields.headers.optional(),
  timeout_ms: fields.timeout_ms.optional(),
  metadata: fields.metadata.optional(),
});
