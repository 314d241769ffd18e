import type { CorsOptions } from "cors";
import type { ManifestCors } from "../manifest/read-manifest.js";
import { trustedOrigins } from "./trusted-origins.js";

/** Headers browser clients read (the SDK takes the run id from Content-Location): always exposed. */
const EXPOSED_HEADERS = ["Content-Location", "Location", "X-Pagination-Next", "X-Pagination-Total", "X-Request-Id", "X-Thread-Id", "X-Run-Id"];
const LOCAL_PAGE = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * CORS, and the pages the cross-site guard trusts (the same ones). The manifest's `http.cors`, when
 * given, decides, as on LangGraph's server: `allow_origins` (`*` for any) and `allow_origin_regex`
 * (which must match the whole origin), methods, headers, credentials, exposed headers (ours are
 * added) and max age. Without it, CORS_ORIGINS: `*`, a list, or empty for pages on this machine.
 */
export function corsSettings(corsOrigins: string, manifest?: ManifestCors): { options: CorsOptions; isTrusted: (origin: string) => boolean } {
  if (!manifest) {
    const origin = fromList(corsOrigins.split(",").map((o) => o.trim()).filter(Boolean), undefined) ?? LOCAL_PAGE;
    return { options: { origin, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }, isTrusted: trustedOrigins(origin) };
  }
  // Neither given: no page of another origin (Starlette's default).
  const origin = fromList(manifest.allow_origins ?? [], manifest.allow_origin_regex) ?? false;
  const exposed = [...EXPOSED_HEADERS, ...(manifest.expose_headers ?? [])];
  const options: CorsOptions = {
    origin,
    exposedHeaders: [...new Map(exposed.map((h) => [h.toLowerCase(), h])).values()],
    maxAge: manifest.max_age ?? 600,
    ...(manifest.allow_methods && !manifest.allow_methods.includes("*") && { methods: manifest.allow_methods }),
    ...(manifest.allow_headers && !manifest.allow_headers.includes("*") && { allowedHeaders: manifest.allow_headers }),
    ...(manifest.allow_credentials !== undefined && { credentials: manifest.allow_credentials }),
  };
  return { options, isTrusted: trustedOrigins(origin) };
}

/** `*` is any origin; otherwise the listed ones and those the pattern matches whole; undefined when none. */
function fromList(origins: string[], pattern: string | undefined): true | (string | RegExp)[] | undefined {
  if (origins.includes("*")) return true;
  const allowed: (string | RegExp)[] = [...origins];
  if (pattern) allowed.push(new RegExp(`^(?:${pattern})$`));
  return allowed.length ? allowed : undefined;
}
