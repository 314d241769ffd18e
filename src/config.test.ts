import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { allowedHosts, CONFIG_VARIABLES, ConfigError, listenHost, loadConfig } from "./config.js";

const KEYS = "sk-team-a-0123456789:acme:alice,sk-team-b-9876543210:globex:bob";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("loadConfig accepted the environment");
}

describe("listenHost", () => {
  // An unauthenticated service must not be reachable from other machines by default.
  it("listens on loopback only when no API keys are set", () => {
    expect(listenHost(loadConfig({}))).toBe("127.0.0.1");
    expect(listenHost(loadConfig({ API_KEYS: "" }))).toBe("127.0.0.1");
    expect(listenHost(loadConfig({ API_KEYS: " , " }))).toBe("127.0.0.1");
  });

  it("listens on all interfaces once API keys are set", () => {
    expect(listenHost(loadConfig({ API_KEYS: KEYS }))).toBe("0.0.0.0");
  });

  it("uses HOST when it is given", () => {
    expect(listenHost(loadConfig({ API_KEYS: KEYS, HOST: "10.0.0.5" }))).toBe("10.0.0.5");
  });
});

describe("API_KEYS", () => {
  it("maps each key to its tenant and user", () => {
    expect(loadConfig({ API_KEYS: ` ${KEYS} ` }).API_KEYS).toEqual(
      new Map([
        ["sk-team-a-0123456789", { tenantId: "acme", userId: "alice" }],
        ["sk-team-b-9876543210", { tenantId: "globex", userId: "bob" }],
      ]),
    );
  });

  // A key alone gets the default tenant; a key with only a tenant is that tenant's single user.
  it("fills in a missing tenant and user", () => {
    expect(loadConfig({ API_KEYS: "solo-key-123,team-key-456:acme" }).API_KEYS).toEqual(
      new Map([
        ["solo-key-123", { tenantId: "default", userId: "default" }],
        ["team-key-456", { tenantId: "acme", userId: "acme" }],
      ]),
    );
  });

  // The message names the variable but never repeats a whole key.
  it.each([["short"], ["sk-long-enough-key:a:b:c"], ["ok-key-0123:a:b,tinykey:a:b"]])("rejects %j without echoing the key", (value) => {
    const err = configError({ API_KEYS: value });
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatch(/^API_KEYS: entry ".{1,4}…" must be key:tenant:user with a key of 8\+ characters$/);
    expect(err.message).not.toContain(value.split(",").at(-1)!.split(":")[0]);
  });

  // A key listed twice would silently give its requests to the later tenant.
  it("rejects a key listed twice", () => {
    const err = configError({ API_KEYS: "same-key-123:acme:alice,same-key-123:globex:bob" });
    expect(err.issues).toEqual(['API_KEYS: the key "same…" is listed twice']);
  });
});

describe("allowedHosts", () => {
  // Without keys a DNS-rebound name must not reach the service; with keys it is reached by any name.
  it("is loopback names without API keys, any name with them, and adds ALLOWED_HOSTS to loopback", () => {
    expect(allowedHosts(loadConfig({}))).toEqual(new Set(["localhost", "127.0.0.1", "[::1]"]));
    expect(allowedHosts(loadConfig({ API_KEYS: KEYS }))).toBeNull();
    expect(allowedHosts(loadConfig({ ALLOWED_HOSTS: "*" }))).toBeNull();
    expect(allowedHosts(loadConfig({ API_KEYS: KEYS, ALLOWED_HOSTS: " Chat.Example.com,[fd00::1] " }))).toEqual(
      new Set(["localhost", "127.0.0.1", "[::1]", "chat.example.com", "[fd00::1]"]),
    );
  });

  it.each([["chat.example.com:3000"], ["https://chat.example.com"]])("rejects %j", (value) => {
    expect(configError({ ALLOWED_HOSTS: value }).issues).toEqual([expect.stringMatching(/^ALLOWED_HOSTS: ".*" is not a host name/)]);
  });
});

describe("config validation", () => {
  it.each([
    ["PORT", "abc", /^PORT: .*expected number/],
    ["PORT", "70000", /^PORT: .*65535/],
    ["OPENAI_BASE_URL", "not a url", /^OPENAI_BASE_URL: Invalid URL/],
    ["DATABASE_URL", "postgres at localhost", /^DATABASE_URL: Invalid URL/],
    ["LOG_LEVEL", "loud", /^LOG_LEVEL: .*"info"/],
    ["MAX_MESSAGE_CHARS", "0", /^MAX_MESSAGE_CHARS: /],
    ["METRICS_TOKEN", "short", /^METRICS_TOKEN: must be at least 16 characters/],
    ["RATE_LIMIT_RPM", "-1", /^RATE_LIMIT_RPM: /],
    ["TOKEN_QUOTA_PER_DAY", "lots", /^TOKEN_QUOTA_PER_DAY: /],
  ])("names %s when it is %j", (name, value, issue) => {
    const err = configError({ [name]: value });
    expect(err.issues).toEqual([expect.stringMatching(issue)]);
    expect(err.message).toBe(`Invalid configuration:\n  - ${err.issues[0]}`);
  });

  it("reports every wrong variable at once", () => {
    const err = configError({ PORT: "abc", LOG_LEVEL: "loud" });
    expect(err.issues.map((i) => i.split(":")[0])).toEqual(["PORT", "LOG_LEVEL"]);
  });

  // Start-up stops before touching the database: exit code 1 and the variable's name on stderr.
  it("stops the service at start-up with the message", async () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const run = promisify(execFile)(process.execPath, ["--import", "tsx", main], {
      env: { PATH: process.env.PATH, PORT: "abc", OPENAI_BASE_URL: "not a url" },
      timeout: 20_000,
    });
    const failure = await run.then(() => null, (err: { code: number; stderr: string }) => err);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/^invalid configuration: PORT: .*; OPENAI_BASE_URL: Invalid URL\n$/);
  });
});

describe("SECRETS_KEY and SECRETS_OLD_KEYS", () => {
  const key = Buffer.alloc(32, 7);

  it("take base64 or hex keys", () => {
    const config = loadConfig({ SECRETS_KEY: key.toString("base64"), SECRETS_OLD_KEYS: ` ${Buffer.alloc(32, 1).toString("hex")} , ${Buffer.alloc(32, 2).toString("base64")}` });
    expect(config.SECRETS_KEY).toEqual(key);
    expect(config.SECRETS_OLD_KEYS).toEqual([Buffer.alloc(32, 1), Buffer.alloc(32, 2)]);
    expect(loadConfig({}).SECRETS_KEY).toBeUndefined();
    expect(loadConfig({}).SECRETS_OLD_KEYS).toEqual([]);
  });

  // A near-miss is still most of a key: the message says how to make one, never what was given.
  it("refuses anything but 32 bytes, saying how to make a key, without echoing it", () => {
    const given = "my-own-passphrase-that-is-long-enough-to-look-like-a-key";
    const err = configError({ SECRETS_KEY: given, SECRETS_OLD_KEYS: `${key.toString("hex")},${given}` });
    expect(err.issues).toEqual([
      expect.stringMatching(/^SECRETS_KEY: is not a 32-byte key; set SECRETS_KEY to 32 random bytes, base64: `openssl rand -base64 32`/),
      "SECRETS_OLD_KEYS: entry 2 is not a 32-byte key (base64 of 32 bytes, or 64 hex characters)",
    ]);
    expect(err.message).not.toContain("passphrase");
  });
});

describe("PROVIDER_ALLOWED_HOSTS", () => {
  it("takes host names, addresses and CIDR ranges, as WEBHOOK_ALLOWED_HOSTS does", () => {
    expect(loadConfig({ PROVIDER_ALLOWED_HOSTS: " ollama.internal, 10.0.0.5,192.168.0.0/16,[::1] " }).PROVIDER_ALLOWED_HOSTS).toEqual(["ollama.internal", "10.0.0.5", "192.168.0.0/16", "[::1]"]);
    expect(loadConfig({}).PROVIDER_ALLOWED_HOSTS).toEqual([]);
    expect(configError({ PROVIDER_ALLOWED_HOSTS: "http://ollama:11434" }).issues).toEqual([
      'PROVIDER_ALLOWED_HOSTS: "http://ollama:11434" is not a host name, an address or a CIDR range; give host names (server.internal), addresses (10.0.0.5, [::1]) or CIDR ranges (10.0.0.0/8)',
    ]);
  });
});

// .env.example is where a newcomer learns what can be set: a variable missing there is undocumented.
describe(".env.example", () => {
  it("names every configuration variable", async () => {
    const { readFile } = await import("node:fs/promises");
    const example = await readFile(fileURLToPath(new URL("../.env.example", import.meta.url)), "utf8");
    const documented = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(40);
    expect(CONFIG_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  });
});
