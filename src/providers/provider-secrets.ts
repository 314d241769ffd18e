import { AppError } from "../errors.js";
import { type Sealed, SecretBox, SecretBoxError, SECRETS_KEY_HOWTO, secretAad } from "./secret-box.js";

/** A provider's `secrets` column: each value sealed on its own, so each carries its own key id. */
export interface StoredSecrets {
  api_key?: Sealed;
  /** By header name, as the client spelled it; the name is what reads show, so it is not sealed. */
  headers?: Record<string, Sealed>;
}

/** Where a sealed value sits in a provider; part of its additional authenticated data. */
const API_KEY_FIELD = "api_key";
const headerField = (name: string) => `header:${name}`;

/** Which provider a value belongs to: the AAD binds it there. */
export interface SecretOwner {
  tenantId: string;
  providerId: string;
}

/**
 * `stored` with the given secrets replaced (undefined: kept as stored, sealed as it is; null or `{}`:
 * removed). A secret to seal without SECRETS_KEY is refused, saying how to set one.
 */
export function withSecrets(box: SecretBox, owner: SecretOwner, stored: StoredSecrets, change: { apiKey?: string | null; headers?: Record<string, string> }): StoredSecrets {
  const wantsKey = typeof change.apiKey === "string" || Object.keys(change.headers ?? {}).length > 0;
  if (wantsKey && !box.canSeal) {
    throw new AppError("secrets_key_missing", `Provider secrets (api_key, headers) are stored encrypted, and this service has no key to encrypt them with: ${SECRETS_KEY_HOWTO}, then restart it.`);
  }
  const aad = (field: string) => secretAad(owner.tenantId, owner.providerId, field);
  const next: StoredSecrets = {};
  const apiKey = change.apiKey === undefined ? stored.api_key : change.apiKey === null ? undefined : box.seal(change.apiKey, aad(API_KEY_FIELD));
  if (apiKey) next.api_key = apiKey;
  const headers = change.headers === undefined
    ? stored.headers
    : Object.fromEntries(Object.entries(change.headers).map(([name, value]) => [name, box.seal(value, aad(headerField(name)))]));
  if (headers && Object.keys(headers).length > 0) next.headers = headers;
  return next;
}

/** The secrets in plain text, for a connection only. A value that cannot be opened is the service's fault (500). */
export function openSecrets(box: SecretBox, owner: SecretOwner & { name: string }, stored: StoredSecrets): { apiKey: string | undefined; headers: Record<string, string> } {
  const open = (sealed: Sealed, field: string) => {
    try {
      return box.open(sealed, secretAad(owner.tenantId, owner.providerId, field));
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      throw new AppError("secrets_unreadable", `The secrets of provider "${owner.name}" (${owner.providerId}) cannot be read: ${err.message}`);
    }
  };
  return {
    apiKey: stored.api_key && open(stored.api_key, API_KEY_FIELD),
    headers: Object.fromEntries(Object.entries(stored.headers ?? {}).map(([name, sealed]) => [name, open(sealed, headerField(name))])),
  };
}

/**
 * Every value sealed with the current key: those sealed with another are opened and sealed again.
 * Counts what was resealed and what already was current. Throws SecretBoxError for a value no key opens.
 */
export function resealSecrets(box: SecretBox, owner: SecretOwner, stored: StoredSecrets): { secrets: StoredSecrets; resealed: number; current: number } {
  let resealed = 0;
  let current = 0;
  const reseal = (sealed: Sealed, field: string): Sealed => {
    if (sealed.kid === box.currentKeyId) {
      current++;
      return sealed;
    }
    const aad = secretAad(owner.tenantId, owner.providerId, field);
    const next = box.seal(box.open(sealed, aad), aad);
    resealed++;
    return next;
  };
  const secrets: StoredSecrets = {};
  if (stored.api_key) secrets.api_key = reseal(stored.api_key, API_KEY_FIELD);
  if (stored.headers) secrets.headers = Object.fromEntries(Object.entries(stored.headers).map(([name, sealed]) => [name, reseal(sealed, headerField(name))]));
  return { secrets, resealed, current };
}
