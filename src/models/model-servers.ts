import { describeModelServer, OPENAI_DEFAULT_BASE_URL, type ModelServer } from "./model-server.js";

/** A model server the service was configured with, as it was configured (secrets included). */
export interface ModelServerConfig {
  baseURL?: string;
  apiKey?: string;
  model: string;
  demo: boolean;
}

/** How a model call ended: answered, or failed with an error event's code. */
export interface ModelCallOutcome {
  ok: boolean;
  code?: string;
  latencyMs?: number;
}

/** One server in `GET /api/status`. */
export interface ModelServerStatus {
  base_url: string;
  model: string;
  demo: boolean;
  last_call: { ok: boolean; at: string; code?: string; latency_ms?: number } | null;
}

interface Entry {
  server: ModelServer;
  /** The base URL as ChatOpenAI holds it, to tell which server a call went to. */
  baseURL: string;
  last: ModelServerStatus["last_call"];
}

const MIN_SECRET_LENGTH = 4;
// `scheme://user:password@`: fetch quotes such a URL whole when it refuses to send it.
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/**
 * The model servers this process calls, and how each answered its last call. Kept in memory: each
 * replica knows only its own calls, which is all a status page needs and costs nothing per call.
 * It also knows the secrets that must not reach a log line: API keys, and base URLs' credentials and queries.
 */
export class ModelServers {
  private readonly entries: Entry[];
  private readonly secrets: string[];
  private readonly redactors: ((text: string) => string)[] = [];

  constructor(configs: ModelServerConfig[]) {
    this.entries = configs.map((c) => ({ server: describeModelServer(c), baseURL: c.baseURL ?? OPENAI_DEFAULT_BASE_URL, last: null }));
    // A base URL's query string may carry a key too (`?api-key=…`), and the client copies it onto every request URL.
    this.secrets = configs.flatMap((c) => [c.apiKey, queryOf(c.baseURL)]).filter((s): s is string => typeof s === "string" && s.length >= MIN_SECRET_LENGTH);
  }

  get servers(): ModelServer[] {
    return this.entries.map((e) => e.server);
  }

  /** The server an OpenAI-compatible client with this base URL calls (none given: OpenAI's). */
  find(baseURL: string | undefined): ModelServer | undefined {
    const url = baseURL ?? OPENAI_DEFAULT_BASE_URL;
    return this.entries.find((e) => e.baseURL === url)?.server;
  }

  record(server: ModelServer, outcome: ModelCallOutcome, at = new Date()): void {
    const entry = this.entries.find((e) => e.server === server);
    if (!entry) return;
    entry.last = {
      ok: outcome.ok, at: at.toISOString(),
      ...(outcome.code !== undefined && { code: outcome.code }),
      ...(outcome.latencyMs !== undefined && { latency_ms: Math.round(outcome.latencyMs) }),
    };
  }

  status(): ModelServerStatus[] {
    return this.entries.map((e) => ({ base_url: e.server.baseUrl, model: e.server.model, demo: e.server.demo, last_call: e.last && { ...e.last } }));
  }

  /** The text with the API keys and any URL's user name and password replaced, for log lines and stored error details. */
  redact(text: string): string {
    const keysOut = this.secrets.reduce((t, secret) => t.split(secret).join("[redacted]"), text);
    return this.redactors.reduce((t, redact) => redact(t), keysOut.replace(URL_CREDENTIALS, "$1[redacted]@"));
  }

  /** Also masks what `redact` replaces: the secrets of the tenants' providers, known only as they are read. */
  alsoRedact(redact: (text: string) => string): void {
    this.redactors.push(redact);
  }
}

function queryOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).search || undefined : undefined;
  } catch {
    return undefined;
  }
}
