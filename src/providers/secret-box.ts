import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** A value sealed with AES-256-GCM, as stored: each carries the id of the key that sealed it. */
export interface Sealed {
  /** keyId() of the key that sealed it. */
  kid: string;
  /** The 96-bit nonce, base64. */
  iv: string;
  /** Ciphertext followed by the 16-byte GCM tag, base64. */
  ct: string;
}

/** How a SECRETS_KEY must look, for messages that say how to make one. */
export const SECRETS_KEY_HOWTO = "set SECRETS_KEY to 32 random bytes, base64: `openssl rand -base64 32` (or 64 hex characters: `openssl rand -hex 32`)";

/** A key's id: the first 16 hex characters of its SHA-256. Says which key sealed a value without revealing it. */
export function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

/** A key as SECRETS_KEY gives it (base64 of 32 bytes, or 64 hex characters), or null for anything else. */
export function parseSecretsKey(raw: string): Buffer | null {
  const text = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return null;
  const key = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return key.length === 32 ? key : null;
}

/** Why a sealed value could not be opened: no key set at all, a key it was not sealed with, or tampering. */
export class SecretBoxError extends Error {
  constructor(readonly reason: "no_key" | "unknown_key" | "corrupt", message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

/**
 * Seals with the current key, opens with it or any old one. The additional authenticated data binds
 * a value to where it is stored (tenant, provider, field): a sealed value copied to another row or
 * field does not open.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  /** The current key's id; undefined without SECRETS_KEY (nothing can be sealed). */
  readonly currentKeyId: string | undefined;

  constructor(current: Buffer | undefined, old: readonly Buffer[] = []) {
    for (const key of old) this.keys.set(keyId(key), key);
    if (current) {
      this.currentKeyId = keyId(current);
      this.keys.set(this.currentKeyId, current);
    }
  }

  get canSeal(): boolean {
    return this.currentKeyId !== undefined;
  }

  /** True if a value sealed under `kid` can be opened. */
  knows(kid: string): boolean {
    return this.keys.has(kid);
  }

  seal(plaintext: string, aad: string): Sealed {
    if (!this.currentKeyId) throw new SecretBoxError("no_key", `No key to seal secrets with: ${SECRETS_KEY_HOWTO}.`);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return { kid: this.currentKeyId, iv: iv.toString("base64"), ct: ct.toString("base64") };
  }

  open(sealed: Sealed, aad: string): string {
    const key = this.keys.get(sealed.kid);
    if (!key) {
      throw this.keys.size === 0
        ? new SecretBoxError("no_key", `A secret is stored but SECRETS_KEY is not set: set it to the key it was sealed with (key id ${sealed.kid}).`)
        : new SecretBoxError("unknown_key", `A secret was sealed with key id ${sealed.kid}, which neither SECRETS_KEY nor SECRETS_OLD_KEYS holds.`);
    }
    const data = Buffer.from(sealed.ct, "base64");
    if (data.length < 16) throw new SecretBoxError("corrupt", "A sealed secret is too short to hold its tag.");
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
      decipher.setAAD(Buffer.from(aad, "utf8"));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString("utf8");
    } catch {
      // Never the cause: it would say nothing useful, and a secret's bytes must not reach a log.
      throw new SecretBoxError("corrupt", `A sealed secret (key id ${sealed.kid}) failed authentication: it was changed, or moved from another provider or field.`);
    }
  }
}

/** The additional authenticated data of a provider's sealed field (`api_key`, `header:X-Org`). */
export const secretAad = (tenantId: string, providerId: string, field: string) => `${tenantId}\n${providerId}\n${field}`;
