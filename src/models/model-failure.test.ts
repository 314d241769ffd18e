import { describe, expect, it } from "vitest";
import { classifyModelError, errorChain } from "./model-failure.js";

// The shapes the `openai` client throws (its classes are told apart by name, as LangChain does).
class APIConnectionError extends Error {
  constructor(cause?: unknown) {
    super("Connection error.");
    if (cause) this.cause = cause;
  }
}
const fetchFailed = (cause: unknown) => new TypeError("fetch failed", { cause });
const systemError = (code: string, message = `connect ${code} 10.0.0.1:8000`) => Object.assign(new Error(message), { code });
/** An APIError as ChatOpenAI passes it on: the provider's text in the message, plus LangChain's hint. */
const httpError = (status: number, fields: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${status} Incorrect API key provided: sk-secret-123\n\nTroubleshooting URL: https://docs.langchain.com/x/`), { status, code: null, ...fields });

const target = { origin: "http://10.0.0.1:8000", model: "llama3.2" };

describe("classifyModelError", () => {
  it.each([
    [401, "model_auth_failed", "The model server at http://10.0.0.1:8000 did not accept the API key (HTTP 401): check OPENAI_API_KEY."],
    [403, "model_auth_failed", 'The model server at http://10.0.0.1:8000 refused access to the model "llama3.2" (HTTP 403): check OPENAI_API_KEY.'],
    [404, "model_not_found", 'The model server at http://10.0.0.1:8000 did not find the model "llama3.2" (HTTP 404): check OPENAI_MODEL, and that OPENAI_BASE_URL includes the API\'s path (often /v1).'],
    [429, "model_rate_limited", "The model server at http://10.0.0.1:8000 is rate limiting requests (HTTP 429): try again shortly."],
    [408, "model_timeout", "The model server at http://10.0.0.1:8000 did not answer in time (HTTP 408)."],
    [504, "model_timeout", "The model server at http://10.0.0.1:8000 did not answer in time (HTTP 504)."],
    [500, "model_error", "The model server at http://10.0.0.1:8000 answered with an error (HTTP 500)."],
    [400, "model_error", "The model server at http://10.0.0.1:8000 answered with an error (HTTP 400)."],
  ])("HTTP %i is %s, and the provider's text is not repeated", (status, code, message) => {
    const failure = classifyModelError(httpError(status), target);
    expect(failure).toEqual({ code, message });
    expect(failure.message).not.toContain("sk-secret");
  });

  // LangChain's own TypeError, thrown while it converts the thread's messages: no request went out.
  it("says when the request could not be built, and a fetch failure is not that", () => {
    expect(classifyModelError(new TypeError("message.content.flatMap is not a function"), target)).toEqual({
      code: "model_error", message: "The request to the model server at http://10.0.0.1:8000 could not be built from the thread's messages; nothing was sent.",
    });
    expect(classifyModelError(fetchFailed(new Error("other side closed")), target).message).toBe("The call to the model server at http://10.0.0.1:8000 failed.");
  });

  it("tells an exhausted quota from a rate limit", () => {
    expect(classifyModelError(httpError(429, { code: "insufficient_quota" }), target)).toEqual({
      code: "model_rate_limited", message: "The model server at http://10.0.0.1:8000 says the account has run out of quota (HTTP 429).",
    });
    const renamed = Object.assign(httpError(429), { name: "RateLimitQuotaExhaustedError" });
    expect(classifyModelError(renamed, target).message).toContain("run out of quota");
  });

  it.each([
    ["ECONNREFUSED", "the connection was refused"],
    ["ENOTFOUND", "its host name was not found"],
    ["EAI_AGAIN", "its host name could not be resolved"],
    ["ECONNRESET", "the connection was reset"],
    ["UND_ERR_SOCKET", "the connection was closed"],
    ["EHOSTUNREACH", "its host is unreachable"],
    ["CERT_HAS_EXPIRED", "its TLS certificate has expired"],
  ])("a connection that fails before any answer with %s is model_unreachable", (code, reason) => {
    expect(classifyModelError(new APIConnectionError(fetchFailed(systemError(code))), target)).toEqual({
      code: "model_unreachable", message: `Could not reach the model server at http://10.0.0.1:8000: ${reason}.`,
    });
  });

  it("finds the refusal inside an AggregateError (both address families tried)", () => {
    const both = Object.assign(new AggregateError([systemError("ECONNREFUSED"), systemError("ECONNREFUSED")], ""), { code: "ECONNREFUSED" });
    expect(classifyModelError(new APIConnectionError(fetchFailed(both)), target).message).toBe(
      "Could not reach the model server at http://10.0.0.1:8000: the connection was refused.",
    );
    const inner = new AggregateError([systemError("EHOSTUNREACH")], "");
    expect(classifyModelError(new APIConnectionError(fetchFailed(inner)), target).message).toContain("its host is unreachable");
  });

  it("calls a connection error with no known cause unreachable, without quoting it", () => {
    const refusedUrl = new TypeError("Request cannot be constructed from a URL that includes credentials: http://u:pw@10.0.0.1/v1");
    const failure = classifyModelError(new APIConnectionError(refusedUrl), target);
    expect(failure).toEqual({ code: "model_unreachable", message: "Could not reach the model server at http://10.0.0.1:8000: the connection failed." });
  });

  it("tells a reply cut off mid-stream from a server never reached", () => {
    const cut = new TypeError("terminated", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
    expect(classifyModelError(cut, target)).toEqual({
      code: "model_error", message: "The connection to the model server at http://10.0.0.1:8000 broke off during its reply.",
    });
  });

  it("recognises the client's own timeouts", () => {
    // LangChain turns the client's APIConnectionTimeoutError into an Error named TimeoutError.
    const wrapped = Object.assign(new Error("Request timed out."), { name: "TimeoutError" });
    expect(classifyModelError(wrapped, target)).toEqual({ code: "model_timeout", message: "The model server at http://10.0.0.1:8000 did not answer in time." });
    expect(classifyModelError(new APIConnectionError(fetchFailed(systemError("UND_ERR_HEADERS_TIMEOUT"))), target).code).toBe("model_timeout");
    expect(classifyModelError(new APIConnectionError(fetchFailed(systemError("UND_ERR_CONNECT_TIMEOUT"))), target).code).toBe("model_timeout");
  });

  it("says model_error for anything else, and names no server it does not know", () => {
    expect(classifyModelError(new SyntaxError("Unexpected token < in JSON"))).toEqual({ code: "model_error", message: "The call to the model server failed." });
    expect(classifyModelError("a string")).toEqual({ code: "model_error", message: "The call to the model server failed." });
    expect(classifyModelError(undefined).code).toBe("model_error");
    expect(classifyModelError(httpError(401)).message).toBe("The model server did not accept the API key (HTTP 401): check OPENAI_API_KEY.");
    expect(classifyModelError(httpError(404)).message).toMatch(/^The model server did not find the requested model \(HTTP 404\)/);
  });

  it("survives an error whose cause points back at itself", () => {
    const a = new Error("a") as Error & { cause?: unknown };
    a.cause = a;
    expect(classifyModelError(a).code).toBe("model_error");
    expect(errorChain(a)).toBe("Error: a");
  });
});

describe("errorChain", () => {
  it("gives each cause's first line, for the logs", () => {
    const err = new APIConnectionError(fetchFailed(systemError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9")));
    expect(errorChain(err)).toBe("Error: Connection error. <- TypeError: fetch failed <- Error: connect ECONNREFUSED 127.0.0.1:9");
    expect(errorChain(httpError(401))).toBe("Error: 401 Incorrect API key provided: sk-secret-123");
    expect(errorChain(42)).toBe("number: 42");
  });
});
