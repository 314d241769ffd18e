/**
 * Says what kind of failure a model call was, from the errors ChatOpenAI throws (the `openai`
 * client's, which LangChain passes on with extra fields), in a sentence safe to show anyone: it
 * names the server's origin and the HTTP status, never the provider's body, which may quote a key.
 */
export type ModelFailureCode =
  | "model_unreachable"
  | "model_auth_failed"
  | "model_not_found"
  | "model_rate_limited"
  | "model_timeout"
  | "model_error";

export interface ModelFailure {
  code: ModelFailureCode;
  /** One sentence for the client, ending with a full stop. */
  message: string;
}

/** What is known of the call that failed: where it went and which model it asked for. */
export interface ModelCallTarget {
  origin?: string;
  model?: string;
}

// Failures to connect at all, found on the error's causes (Node's and undici's codes).
const CONNECT_FAILURES: Record<string, string> = {
  ECONNREFUSED: "the connection was refused",
  ENOTFOUND: "its host name was not found",
  EAI_AGAIN: "its host name could not be resolved",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
  UND_ERR_SOCKET: "the connection was closed",
  EHOSTUNREACH: "its host is unreachable",
  ENETUNREACH: "the network is unreachable",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "its TLS certificate is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "its TLS certificate is not trusted",
  CERT_HAS_EXPIRED: "its TLS certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "its TLS certificate is for another host name",
};
const TIMEOUT_CODES = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);
const TIMEOUT_NAMES = new Set(["TimeoutError", "APIConnectionTimeoutError"]);
const QUOTA_NAMES = new Set(["InsufficientQuotaError", "RateLimitQuotaExhaustedError"]);

export function classifyModelError(err: unknown, target: ModelCallTarget = {}): ModelFailure {
  const server = target.origin ? `the model server at ${target.origin}` : "the model server";
  const Server = server.charAt(0).toUpperCase() + server.slice(1);
  const model = target.model ? `the model "${target.model}"` : "the requested model";
  const errors = [...causes(err)];
  const status = errors.map((e) => e.status).find((s): s is number => Number.isInteger(s) && (s as number) >= 100 && (s as number) < 600);

  if (status === 401 || status === 403) {
    const what = status === 401 ? "did not accept the API key" : `refused access to ${model}`;
    return { code: "model_auth_failed", message: `${Server} ${what} (HTTP ${status}): check OPENAI_API_KEY.` };
  }
  if (status === 404) {
    return {
      code: "model_not_found",
      message: `${Server} did not find ${model} (HTTP 404): check OPENAI_MODEL, and that OPENAI_BASE_URL includes the API's path (often /v1).`,
    };
  }
  if (status === 429) {
    // LangChain's retry layer renames what it takes for an exhausted quota (by code or wording).
    const quota = errors.some((e) => e.code === "insufficient_quota" || QUOTA_NAMES.has(e.name));
    return {
      code: "model_rate_limited",
      message: quota ? `${Server} says the account has run out of quota (HTTP 429).` : `${Server} is rate limiting requests (HTTP 429): try again shortly.`,
    };
  }
  if (status === 408 || status === 504 || errors.some((e) => TIMEOUT_NAMES.has(e.name as string) || TIMEOUT_CODES.has(e.code as string))) {
    return { code: "model_timeout", message: `${Server} did not answer in time${status ? ` (HTTP ${status})` : ""}.` };
  }
  if (status !== undefined) return { code: "model_error", message: `${Server} answered with an error (HTTP ${status}).` };

  const reason = errors.map((e) => CONNECT_FAILURES[e.code as string]).find(Boolean);
  // The client raises APIConnectionError only before a response: a reset after one is a reply cut short.
  const beforeResponse = errors.some((e) => e.constructorName === "APIConnectionError");
  if (beforeResponse) return { code: "model_unreachable", message: `Could not reach ${server}: ${reason ?? "the connection failed"}.` };
  if (reason) return { code: "model_error", message: `The connection to ${server} broke off during its reply.` };
  // Thrown by LangChain itself, before any request: the thread holds a message it cannot convert (one
  // whose content is neither text nor content parts, written before inputs were checked).
  if (errors.length === 1 && errors[0]!.name === "TypeError") {
    return { code: "model_error", message: `The request to ${server} could not be built from the thread's messages; nothing was sent.` };
  }
  return { code: "model_error", message: `The call to ${server} failed.` };
}

/** The error and its causes as one line for the logs: `Name: message <- Name: message`. */
export function errorChain(err: unknown): string {
  return [...causes(err)].map((e) => (e.message ? `${e.name}: ${e.message}` : e.name)).join(" <- ");
}

interface ErrorFacts {
  name: string;
  constructorName?: string;
  message: string;
  status?: unknown;
  code?: unknown;
}

/** The error, its `cause`s and an AggregateError's `errors`, depth first, each once. */
function* causes(err: unknown, seen = new Set<unknown>(), depth = 0): Generator<ErrorFacts> {
  if (err === null || err === undefined || seen.has(err) || depth > 8) return;
  seen.add(err);
  if (typeof err !== "object") {
    yield { name: typeof err, message: String(err) };
    return;
  }
  const e = err as Record<string, unknown>;
  yield {
    name: typeof e.name === "string" ? e.name : "Error",
    constructorName: (err as object).constructor?.name,
    message: typeof e.message === "string" ? e.message.split("\n")[0]!.trim() : "",
    status: e.status,
    code: e.code,
  };
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* causes(inner, seen, depth + 1);
  yield* causes(e.cause, seen, depth + 1);
}
