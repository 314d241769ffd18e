import { ProviderChatOpenAI } from "./provider-chat-model.js";
import type { ProviderConnection } from "./provider-repository.js";

/** What a run may choose of a provider's model: its name (default: the provider's default model) and temperature. */
export interface ProviderModelSettings {
  model?: string;
  temperature?: number;
}

export interface ProviderModelsDeps {
  /** The decrypted connection (ProviderRepository.connection): null or undefined when the tenant has no such provider. */
  connection(tenantId: string, providerId: string): Promise<ProviderConnection | null | undefined>;
  /** The fetch providers are called through (providerFetch: the address policy, pinned, no redirects). */
  fetch: typeof fetch;
  /** Retries of a failed call (OPENAI_MAX_RETRIES). */
  maxRetries: number;
  /** Clients kept for reuse; the least recently used goes first. */
  maxCached?: number;
}

/**
 * A setting the run cannot use. Named `InvalidConfigError` so the run fails with its message shown
 * (see active-run), as the chat graph's own refusals are.
 */
export class ProviderConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidConfigError";
  }
}

/** What the OpenAI client holds as its key: the real one goes on in `fetch`, so no field of the model has it. */
const KEY_PLACEHOLDER = "threadloom-provider";

/**
 * Builds the chat model a run calls on one of its tenant's providers, when the model is called: the
 * connection (key, headers) is read and decrypted then, and handed to the client only inside the
 * `fetch` it calls, which sets `Authorization` and the extra headers on each request. ChatOpenAI's
 * `toJSON` (what callbacks and LangSmith get), `invocationParams` and `fields` hold the provider's
 * URL, model and a placeholder key, nothing secret. Clients are cached by provider id and
 * `updatedAt` (with model and temperature): a changed provider gets a new one at its next call.
 */
export class ProviderModels {
  private readonly cache = new Map<string, ProviderChatOpenAI>();
  /** Each provider's secrets as last read, so error text on their way to a log can be masked. */
  private readonly secrets = new Map<string, string[]>();

  constructor(private readonly deps: ProviderModelsDeps) {}

  async chatModel(tenantId: string, providerId: string, settings: ProviderModelSettings = {}): Promise<ProviderChatOpenAI> {
    // The same words whether it never existed or is another tenant's: nothing tells them apart.
    const connection = await this.deps.connection(tenantId, providerId);
    if (!connection) throw new ProviderConfigError(`The run cannot use configurable.provider_id ${providerId}: there is no such provider.`);
    const model = settings.model ?? connection.defaultModel;
    if (!model) throw new ProviderConfigError(`The run needs configurable.model: provider ${providerId} has no default model.`);
    this.secrets.set(providerId, secretsOf(connection));
    const key = JSON.stringify([tenantId, providerId, connection.updatedAt.getTime(), model, settings.temperature ?? null]);
    let client = this.cache.get(key);
    if (client) {
      this.cache.delete(key);
    } else {
      client = this.build(connection, model, settings.temperature);
      if (this.cache.size >= (this.deps.maxCached ?? 64)) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(key, client);
    return client;
  }

  /** The text with every provider secret this process has read replaced, for log lines and stored error details. */
  redact(text: string): string {
    let out = text;
    for (const list of this.secrets.values()) for (const secret of list) out = out.split(secret).join("[redacted]");
    return out;
  }

  private build(connection: ProviderConnection, model: string, temperature: number | undefined): ProviderChatOpenAI {
    const { apiKey, headers } = connection;
    const inner = this.deps.fetch;
    const secrets = secretsOf(connection);
    const withCredentials: typeof fetch = async (input, init) => {
      const sent = new Headers(init?.headers);
      for (const [name, value] of Object.entries(headers)) sent.set(name, value);
      if (apiKey) sent.set("authorization", `Bearer ${apiKey}`);
      else sent.delete("authorization");
      const response = await inner(input, { ...init, headers: sent });
      return response.ok || secrets.length === 0 ? response : masked(response, secrets);
    };
    return new ProviderChatOpenAI({
      model,
      temperature,
      apiKey: KEY_PLACEHOLDER,
      configuration: { baseURL: connection.baseUrl, fetch: withCredentials },
      timeout: connection.timeoutMs,
      maxRetries: this.deps.maxRetries,
      // As createChatModel: no `streaming: true` (its invoke path reaches the internet for token counts).
      streamUsage: true,
    }, connection.providerId);
  }
}

/** The values that must not leave the process: the key and the headers' values (long enough to find). */
function secretsOf(connection: ProviderConnection): string[] {
  return [connection.apiKey, ...Object.values(connection.headers)].filter((s): s is string => typeof s === "string" && s.length >= 4);
}

/**
 * An error answer with the secrets masked. A server (or a proxy before it) may quote the key it refused
 * in its error; the OpenAI client puts that text in its error's message, which reaches the run's log,
 * its stored detail and LangSmith. Masked here, it reaches none of them.
 */
async function masked(response: Response, secrets: string[]): Promise<Response> {
  const mask = (text: string) => secrets.reduce((t, secret) => t.split(secret).join("[redacted]"), text);
  const body = mask(await response.text());
  const headers = new Headers();
  // The body is decoded now, and of another length.
  for (const [name, value] of response.headers) if (name !== "content-length" && name !== "content-encoding") headers.set(name, mask(value));
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
