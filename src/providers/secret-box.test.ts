import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keyId, parseSecretsKey, SecretBox, SecretBoxError, secretAad } from "./secret-box.js";

const KEY = randomBytes(32);
const OLD = randomBytes(32);
const AAD = secretAad("acme", "7d0c0a4e-4b3a-4c59-9d3e-2f1a0b6c5d4e", "api_key");

function failure(fn: () => unknown): SecretBoxError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SecretBoxError) return err;
    throw err;
  }
  throw new Error("it did not fail");
}

describe("parseSecretsKey", () => {
  it("takes 32 bytes as base64 (with or without padding, standard or URL-safe) or as 64 hex characters", () => {
    expect(parseSecretsKey(KEY.toString("base64"))).toEqual(KEY);
    expect(parseSecretsKey(KEY.toString("base64").replace("=", ""))).toEqual(KEY);
    expect(parseSecretsKey(KEY.toString("base64url"))).toEqual(KEY);
    expect(parseSecretsKey(` ${KEY.toString("hex").toUpperCase()}\n`)).toEqual(KEY);
  });

  it.each([
    ["a passphrase", "correct horse battery staple"],
    ["16 bytes", randomBytes(16).toString("base64")],
    ["48 bytes", randomBytes(48).toString("base64")],
    ["63 hex characters", KEY.toString("hex").slice(1)],
  ])("refuses %s", (_what, raw) => {
    expect(parseSecretsKey(raw)).toBeNull();
  });
});

describe("SecretBox", () => {
  it("opens what it sealed; the ciphertext holds no trace of the plaintext and differs every time", () => {
    const box = new SecretBox(KEY);
    const a = box.seal("sk-live-secret-value", AAD);
    const b = box.seal("sk-live-secret-value", AAD);
    expect(box.open(a, AAD)).toBe("sk-live-secret-value");
    expect(a.kid).toBe(createHash("sha256").update(KEY).digest("hex").slice(0, 16));
    expect(Buffer.from(a.iv, "base64")).toHaveLength(12);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    expect(Buffer.from(a.ct, "base64").includes("sk-live")).toBe(false);
  });

  // The AAD ties a value to its row and field: copying it to another tenant's provider does not work.
  it.each([
    ["another tenant", secretAad("globex", "7d0c0a4e-4b3a-4c59-9d3e-2f1a0b6c5d4e", "api_key")],
    ["another provider", secretAad("acme", "00000000-0000-0000-0000-000000000000", "api_key")],
    ["another field", secretAad("acme", "7d0c0a4e-4b3a-4c59-9d3e-2f1a0b6c5d4e", "header:X-Org")],
  ])("refuses a value moved to %s", (_where, aad) => {
    const box = new SecretBox(KEY);
    const err = failure(() => box.open(box.seal("secret-1234", AAD), aad));
    expect(err.reason).toBe("corrupt");
    expect(err.message).not.toContain("secret-1234");
  });

  it("refuses a changed ciphertext", () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal("secret-1234", AAD);
    const bytes = Buffer.from(sealed.ct, "base64");
    bytes[0]! ^= 1;
    expect(failure(() => box.open({ ...sealed, ct: bytes.toString("base64") }, AAD)).reason).toBe("corrupt");
  });

  it("opens with an old key, seals with the current one only", () => {
    const sealedOld = new SecretBox(OLD).seal("old-secret", AAD);
    const box = new SecretBox(KEY, [OLD]);
    expect(box.open(sealedOld, AAD)).toBe("old-secret");
    expect(box.seal("x", AAD).kid).toBe(keyId(KEY));
    expect(box.knows(keyId(OLD))).toBe(true);
  });

  it("names the key id it does not hold, and says when no key is set at all", () => {
    const sealed = new SecretBox(OLD).seal("old-secret", AAD);
    const unknown = failure(() => new SecretBox(KEY).open(sealed, AAD));
    expect(unknown.reason).toBe("unknown_key");
    expect(unknown.message).toContain(keyId(OLD));
    expect(failure(() => new SecretBox(undefined).open(sealed, AAD)).reason).toBe("no_key");
    const noKey = failure(() => new SecretBox(undefined).seal("x", AAD));
    expect(noKey.reason).toBe("no_key");
    expect(noKey.message).toContain("openssl rand -base64 32");
  });
});
