import os from "node:os";
import { z } from "zod";
import { parseSecretsKey, SECRETS_KEY_HOWTO } from "./providers/secret-box.js";
import { allowedHostsEntryProblem } from "./net/address-policy.js";

/** One API key's identity: requests made with it act as this tenant and user. */
export interface ApiKeyIdentity {
  tenantId: string;
  userId: string;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const emptyAsUndefined = (v: unknown) => (v === "" ? undefined : v);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyAsUndefined, z.url().optional());

/** `key:tenant:user` entries separated by commas; tenant and user default to the key's position. */
const apiKeys = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const keys = new Map<string, ApiKeyIdentity>();
      if (!raw) return keys;
      for (const entry of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
        const [key, tenantId, userId, ...rest] = entry.split(":");
        if (!key || key.length < 8 || rest.length > 0) {
          ctx.addIssue({ code: "custom", message: `entry "${entry.slice(0, 4)}…" must be key:tenant:user with a key of 8+ characters` });
          return z.NEVER;
        }
        if (keys.has(key)) {
          ctx.addIssue({ code: "custom", message: `the key "${key.slice(0, 4)}…" is listed twice` });
          return z.NEVER;
        }
        keys.set(key, { tenantId: tenantId || "default", userId: userId || tenantId || "default" });
      }
      return keys;
    }),
);

/**
 * Host names the service answers to, comma-separated, without ports: "*" for any. Unset: loopback
 * names only without API keys (see `allowedHosts`), any name with them.
 */
const hostList = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      const hosts = raw.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
      if (hosts.includes("*")) return "*" as const;
      const bad = hosts.find((h) => !/^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)$/.test(h));
      if (bad) {
        ctx.addIssue({ code: "custom", message: `"${bad}" is not a host name (give names like chat.example.com or [::1], without scheme or port)` });
        return z.NEVER;
      }
      return hosts;
    }),
);

/** WEBHOOK_ALLOWED_HOSTS and PROVIDER_ALLOWED_HOSTS: host names, addresses and CIDR ranges, comma-separated. */
const addressAllowList = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const entries = (raw ?? "").split(",").map((h) => h.trim()).filter(Boolean);
      const problem = entries.map(allowedHostsEntryProblem).find((p) => p !== null);
      if (problem) {
        ctx.addIssue({ code: "custom", message: `${problem}; give host names (server.internal), addresses (10.0.0.5, [::1]) or CIDR ranges (10.0.0.0/8)` });
        return z.NEVER;
      }
      return entries;
    }),
);

/**
 * SECRETS_KEY: the key provider secrets are sealed with. The message never repeats the value: a
 * slightly wrong key is still most of a key.
 */
const secretsKey = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      const key = parseSecretsKey(raw);
      if (!key) {
        ctx.addIssue({ code: "custom", message: `is not a 32-byte key; ${SECRETS_KEY_HOWTO}` });
        return z.NEVER;
      }
      return key;
    }),
);

/** SECRETS_OLD_KEYS: earlier SECRETS_KEYs, comma-separated, used only to open what they sealed (rotation). */
const oldSecretsKeys = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const entries = (raw ?? "").split(",").map((k) => k.trim()).filter(Boolean);
      const keys: Buffer[] = [];
      for (const [i, entry] of entries.entries()) {
        const key = parseSecretsKey(entry);
        if (!key) {
          ctx.addIssue({ code: "custom", message: `entry ${i + 1} is not a 32-byte key (base64 of 32 bytes, or 64 hex characters)` });
          return z.NEVER;
        }
        keys.push(key);
      }
      return keys;
    }),
);

/** WEB_CONCURRENCY: processes serving the port; `auto` is one per core this process may use. */
const webConcurrency = z.preprocess(
  emptyAsUndefined,
  z
    .union([z.literal("auto"), int(1, 256)], "must be a number of workers from 1 to 256, or auto (one per core)")
    .optional()
    .transform((v) => (v === "auto" ? os.availableParallelism() : (v ?? 1))),
);

const schema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: optionalString,
  DATABASE_URL: optionalUrl,
  DATA_DIR: z.string().default(".data"),
  DB_POOL_MAX: int(2, 500).default(20),
  WEB_CONCURRENCY: webConcurrency,
  DB_CONNECT_TIMEOUT_MS: int(100, 600_000).default(5_000),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().default("gpt-4o-mini"),
  OPENAI_MAX_RETRIES: int(0, 10).default(2),
  DEMO_TOKEN_DELAY_MS: int(0, 10_000).default(20),
  LANGGRAPH_JSON: z.string().min(1).default("langgraph.json"),
  DEFAULT_ASSISTANT_ID: optionalString,
  MAX_MESSAGE_CHARS: int(1, 1_000_000).default(32_000),
  RUN_TIMEOUT_MS: int(1_000, 86_400_000).default(300_000),
  MODEL_IDLE_TIMEOUT_MS: int(100, 3_600_000).default(60_000),
  HEARTBEAT_MS: int(100, 600_000).default(5_000),
  CORS_ORIGINS: z.string().default(""),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  RUN_QUEUE_CONCURRENCY: int(1, 1_000).default(10),
  MAX_CONCURRENT_RUNS: int(1, 10_000).default(64),
  SSE_MAX_BUFFER_BYTES: int(16_384, 1_073_741_824).default(1_048_576),
  IMPORT_MAX_BYTES: int(1_024, 4_294_967_296).default(52_428_800),
  IMPORT_MAX_MESSAGES: int(1, 1_000_000).default(20_000),
  RUN_QUEUE_POLL_MS: int(100, 600_000).default(2_000),
  RUN_MAX_ATTEMPTS: int(1, 100).default(3),
  RUN_EVENTS_RETENTION_MS: int(1_000, 31_536_000_000).default(3_600_000),
  // Retention (opt-in, see src/retention): prune the intermediate checkpoints of threads idle this long.
  CHECKPOINT_PRUNE_AFTER_MINUTES: z.preprocess(emptyAsUndefined, z.coerce.number().positive("must be a positive number of minutes").optional()),
  LEASE_TTL_MS: int(1_000, 600_000).default(30_000),
  // Graphs' JSON schemas read from their TypeScript types (see src/schemas/graph-schemas.ts).
  SCHEMA_CACHE_DIR: optionalString,
  SCHEMA_WAIT_MS: int(0, 600_000).default(25_000),
  SCHEMA_EXTRACT_TIMEOUT_MS: int(1_000, 3_600_000).default(180_000),
  API_KEYS: apiKeys,
  ALLOWED_HOSTS: hostList,
  METRICS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, "must be at least 16 characters").optional()),
  RATE_LIMIT_RPM: int(0, 1_000_000).default(0),
  TOKEN_QUOTA_PER_DAY: int(0, Number.MAX_SAFE_INTEGER).default(0),
  // LangGraph's test hook POST /internal/truncate (its conformance suite); never for a real deployment.
  INTERNAL_TRUNCATE_ENABLED: z.preprocess(emptyAsUndefined, z.enum(["0", "1"], "must be 0 or 1").default("0")).transform((v) => v === "1"),
  // The web app at `/`: 1 serves it (built by `npm ci` into dist/web), 0 leaves `/` to a custom app.
  WEB_APP_ENABLED: z.preprocess(emptyAsUndefined, z.enum(["0", "1"], "must be 0 or 1").default("1")).transform((v) => v === "1"),
  WEBHOOK_ALLOWED_HOSTS: addressAllowList,
  WEBHOOK_TIMEOUT_MS: int(100, 600_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: int(1, 100).default(6),
  WEBHOOK_RETRY_BASE_MS: int(1, 3_600_000).default(2_000),
  // Model providers' secrets (src/providers): the key they are sealed with, and older keys still read.
  SECRETS_KEY: secretsKey,
  SECRETS_OLD_KEYS: oldSecretsKeys,
  // Loopback, private and link-local hosts providers may connect to (the environment's model server always may).
  PROVIDER_ALLOWED_HOSTS: addressAllowList,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Config = z.infer<typeof schema>;

/** The names of every variable the configuration reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment once; a wrong value names its variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`));
  }
  return result.data;
}

/** The demo model is used when neither a key nor an OpenAI-compatible server is configured. */
export function usesDemoModel(config: Config): boolean {
  return !config.OPENAI_API_KEY && !config.OPENAI_BASE_URL;
}

/**
 * Without authentication (API keys, or the manifest's auth: `authenticated`) the service is for
 * this machine only.
 */
export function listenHost(config: Config, authenticated = config.API_KEYS.size > 0): string {
  return config.HOST ?? (authenticated ? "0.0.0.0" : "127.0.0.1");
}

/** Names a browser may use for this machine itself: a page of another site cannot be served under them. */
export const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The Host names requests may carry, or null for any. Without authentication only loopback names, so a
 * web page whose DNS name was rebound to 127.0.0.1 cannot reach the service.
 */
export function allowedHosts(config: Config, authenticated = config.API_KEYS.size > 0): Set<string> | null {
  const given = config.ALLOWED_HOSTS ?? (authenticated ? "*" : []);
  return given === "*" ? null : new Set([...LOOPBACK_HOSTS, ...given]);
}
