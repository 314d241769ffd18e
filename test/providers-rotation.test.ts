import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { keyId } from "../src/providers/secret-box.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";
import { startTestService } from "./helpers/test-service.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ALICE = "key-alice-rotate1";
const API_KEY = "sk-rotate-secret-Ab12Cd34Ef56";
const HEADER_VALUE = "rotate-header-secret-7788";
const OLD = randomBytes(32);
const NEW = randomBytes(32);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The documented command, as a process of its own: `npx threadloom rotate-secrets` or `npm run rotate-secrets`. */
function rotate(db: TestDatabase, env: Record<string, string>, via: "bin" | "npm" = "bin"): Promise<Run> {
  const [command, args] = via === "bin" ? [process.execPath, ["bin/threadloom.mjs", "rotate-secrets"]] : ["npm", ["run", "--silent", "rotate-secrets"]];
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** Providers made through the API of a service running with `key`. */
async function makeProviders(db: TestDatabase, key: Buffer, providers: Record<string, unknown>[]): Promise<string[]> {
  const t = await startTestService({ db, env: { API_KEYS: `${ALICE}:acme:alice`, SECRETS_KEY: key.toString("base64") } });
  try {
    const ids = [];
    for (const body of providers) {
      const res = await fetch(`${t.url}/api/providers`, { method: "POST", headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/json" }, body: JSON.stringify({ base_url: "https://models.example.com/v1", ...body }) });
      expect(res.status).toBe(201);
      ids.push((await res.json()).provider_id as string);
    }
    return ids;
  } finally {
    await t.close();
  }
}

/** What a service with only `keys` opens of the provider (through the repository runs use). */
async function connect(db: TestDatabase, key: Buffer, providerId: string, old: Buffer[] = []) {
  const t = await startTestService({ db, env: { SECRETS_KEY: key.toString("hex"), ...(old.length ? { SECRETS_OLD_KEYS: old.map((k) => k.toString("base64")).join(",") } : {}) } });
  try {
    return await t.service.providers.connection("acme", providerId).catch((err: Error) => err);
  } finally {
    await t.close();
  }
}

const kids = async (db: TestDatabase) =>
  (await db.pool.query("SELECT name, secrets FROM providers ORDER BY name")).rows.map((r) => [r.name, r.secrets.api_key?.kid, ...Object.values(r.secrets.headers ?? {}).map((h: any) => h.kid)]);

describe("rotating SECRETS_KEY", () => {
  it("re-encrypts every secret with the new key by the documented procedure; the service with only the new key still opens them", async () => {
    const db = await createTestDatabase();
    const [withHeaders] = await makeProviders(db, OLD, [
      { name: "hosted", api_key: API_KEY, headers: { "X-Org": HEADER_VALUE } },
      { name: "keyed", api_key: `${API_KEY}-2` },
      { name: "plain" },
    ]);
    expect(await kids(db)).toEqual([["hosted", keyId(OLD), keyId(OLD)], ["keyed", keyId(OLD)], ["plain", undefined]]);

    // The new key in SECRETS_KEY, the old one in SECRETS_OLD_KEYS, then the command.
    const env = { SECRETS_KEY: NEW.toString("base64"), SECRETS_OLD_KEYS: OLD.toString("base64") };
    const first = await rotate(db, env);
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toBe(`rotate-secrets: 2 providers with secrets: 3 values re-encrypted with key ${keyId(NEW)}, 0 already were.\nOnce every process of the service runs with this SECRETS_KEY, remove SECRETS_OLD_KEYS.\n`);
    expect(await kids(db)).toEqual([["hosted", keyId(NEW), keyId(NEW)], ["keyed", keyId(NEW)], ["plain", undefined]]);

    // The service restarted with only the new key opens them; one with only the old key no longer does.
    expect(await connect(db, NEW, withHeaders!)).toMatchObject({ apiKey: API_KEY, headers: { "X-Org": HEADER_VALUE } });
    expect(await connect(db, OLD, withHeaders!)).toMatchObject({ code: "secrets_unreadable", message: expect.stringContaining('provider "hosted"') });

    // Run again (through npm this time), it has nothing left to do.
    const second = await rotate(db, { SECRETS_KEY: NEW.toString("hex") }, "npm");
    expect(second).toMatchObject({ code: 0, stdout: `rotate-secrets: 2 providers with secrets: 0 values re-encrypted with key ${keyId(NEW)}, 3 already were.\n` });

    for (const out of [first, second]) {
      for (const secret of [API_KEY, HEADER_VALUE, OLD.toString("base64"), NEW.toString("base64"), NEW.toString("hex")]) expect(out.stdout + out.stderr).not.toContain(secret);
    }
  });

  it("fails naming the provider whose key it does not hold, and changes nothing", async () => {
    const db = await createTestDatabase();
    const lost = randomBytes(32);
    await makeProviders(db, OLD, [{ name: "fine", api_key: API_KEY }]);
    const [orphan] = await makeProviders(db, lost, [{ name: "orphaned", api_key: API_KEY, headers: { "X-Org": HEADER_VALUE } }]);
    const before = (await db.pool.query("SELECT provider_id, secrets FROM providers ORDER BY name")).rows;

    const run = await rotate(db, { SECRETS_KEY: NEW.toString("base64"), SECRETS_OLD_KEYS: OLD.toString("base64") });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `rotate-secrets: provider "orphaned" (${orphan}, tenant "acme"): A secret was sealed with key id ${keyId(lost)}, which neither SECRETS_KEY nor SECRETS_OLD_KEYS holds. Add the key it was sealed with to SECRETS_OLD_KEYS; nothing was changed.\n`,
    );
    expect((await db.pool.query("SELECT provider_id, secrets FROM providers ORDER BY name")).rows).toEqual(before);
    for (const secret of [API_KEY, HEADER_VALUE, lost.toString("base64"), NEW.toString("base64")]) expect(run.stderr).not.toContain(secret);

    // Without SECRETS_KEY, or with a malformed one, it says what to do and never echoes the value.
    const unset = await rotate(db, {});
    expect(unset).toMatchObject({ code: 1, stdout: "", stderr: expect.stringMatching(/^rotate-secrets: SECRETS_KEY is not set\. Put the new key in SECRETS_KEY/) });
    const malformed = await rotate(db, { SECRETS_KEY: "not-a-key-but-a-passphrase" });
    expect(malformed).toMatchObject({ code: 1, stderr: expect.stringMatching(/SECRETS_KEY: is not a 32-byte key/) });
    expect(malformed.stderr).not.toContain("passphrase");
  });
});
