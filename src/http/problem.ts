import type { ErrorRequestHandler, Response } from "express";
import type { Logger } from "pino";
import { describeDatabaseError, isDatabaseUnavailable, isTransientDatabaseError } from "../db/database-unavailable.js";
import { isPoolWaitTimeout } from "../db/query-when-free.js";
import { AppError, type ErrorCode, type InvalidField } from "../errors.js";
import { isInflateError } from "./inflate-error.js";
import type {} from "pino-http";

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  // Existed, and was removed on purpose (retention): not coming back, unlike a 404.
  gone: 410,
  conflict: 409,
  payload_too_large: 413,
  unavailable: 503,
  forbidden_origin: 403,
  misdirected_host: 421,
  rate_limited: 429,
  quota_exceeded: 429,
  // The manifest's UI for the graph did not build: the service's configuration, not the client, is at fault.
  ui_unavailable: 500,
  // A provider secret given while SECRETS_KEY is unset: the request is fine, the service cannot keep it.
  secrets_key_missing: 422,
  // A stored secret the service's keys cannot open (SECRETS_KEY changed without rotation): its configuration is at fault.
  secrets_unreadable: 500,
  provider_in_use: 409,
  // A provider URL whose address is loopback, private or link-local and not allowed (PROVIDER_ALLOWED_HOSTS).
  address_refused: 422,
  // Well-formed, but naming a provider the tenant does not have: the request cannot be carried out as it is.
  unknown_provider: 422,
};

const TITLE: Record<ErrorCode, string> = {
  invalid_request: "Invalid request",
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  gone: "Gone",
  conflict: "Conflict",
  payload_too_large: "Payload too large",
  unavailable: "Service unavailable",
  forbidden_origin: "Cross-site request refused",
  misdirected_host: "Misdirected request",
  rate_limited: "Too many requests",
  quota_exceeded: "Quota exceeded",
  ui_unavailable: "UI unavailable",
  secrets_key_missing: "Secrets key missing",
  secrets_unreadable: "Secrets unreadable",
  provider_in_use: "Provider in use",
  address_refused: "Address refused",
  unknown_provider: "Unknown provider",
};

/** Seconds a client is asked to wait before trying a 503 again. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * Writes an RFC 9457 problem document. `extra.retry_after` (whole seconds) becomes Retry-After; a
 * 503 without one says when to try again all the same.
 */
export function sendProblem(res: Response, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): void {
  const status = setErrorStatus(res, code, extra);
  res.type("application/problem+json").json({ type: `about:blank#${code}`, title: TITLE[code], status, detail, ...extra });
}

/** Sets the status an error code answers with, and Retry-After when it asks for one; returns the status. */
export function setErrorStatus(res: Response, code: ErrorCode, extra: Record<string, unknown> = {}): number {
  const status = STATUS[code];
  const retryAfter = typeof extra.retry_after === "number" ? extra.retry_after : code === "unavailable" ? RETRY_AFTER_SECONDS : undefined;
  if (retryAfter !== undefined) res.setHeader("Retry-After", String(retryAfter));
  res.status(status);
  return status;
}

/** How the handler writes the errors it settled on: problem+json by default (`/v1` answers OpenAI's shape). */
export interface ErrorFormat {
  send(res: Response, code: ErrorCode, detail: string, extra: Record<string, unknown>): void;
  /** A failure of ours, masked: the log has it under the request id. */
  send500(res: Response, requestId: string): void;
}

const PROBLEM_JSON: ErrorFormat = { send: sendProblem, send500: sendProblem500 };

/**
 * Errors from Express and body-parser carry a 4xx `status` (and body-parser a `type`); they are the
 * client's fault and say so. Anything else is ours and stays masked.
 */
function fromFramework(err: { type?: string; message?: string; status?: unknown; expose?: unknown }): AppError | null {
  if (err.type === "entity.parse.failed") return new AppError("invalid_request", `The request body is not valid JSON: ${err.message}`, { fields: [{ name: "body", reason: "malformed JSON" }] });
  if (err.type === "entity.too.large") return new AppError("payload_too_large", "The request body is larger than this service accepts.");
  if (err.type === "encoding.unsupported") {
    return new AppError("invalid_request", err.message ?? "Unsupported content encoding.", { fields: [{ name: "content-encoding", reason: "must be gzip, deflate, br or identity" }] });
  }
  if (err.type === "charset.unsupported") {
    return new AppError("invalid_request", err.message ?? "Unsupported charset.", { fields: [{ name: "content-type", reason: "charset must be utf-8" }] });
  }
  // body-parser passes zlib's error on as a 400 of its own.
  if (isInflateError(err)) {
    return new AppError("invalid_request", "The request body is not valid data in the format its Content-Encoding names.", {
      fields: [{ name: "content-encoding", reason: "the body does not inflate as its Content-Encoding says" }],
    });
  }
  // The router fails to decode a path parameter such as `%E0%A4%A`.
  if (err.status === 400 && err instanceof URIError) {
    return new AppError("invalid_request", "The request path is not valid percent-encoding.", { fields: [{ name: "path", reason: "malformed percent-encoding" }] });
  }
  if (err.expose === true && typeof err.status === "number" && err.status >= 400 && err.status < 500) {
    return new AppError(err.status === 413 ? "payload_too_large" : "invalid_request", err.message || "The request could not be read.");
  }
  return null;
}

/**
 * The database could not be reached (refused, restarting, no connection free in time), or gave up
 * on a statement that a later try would get through (a deadlock, a serialization failure, a lock or
 * statement timeout): storage code throws the driver's error as it is, and this is the one place it
 * becomes a 503.
 */
function fromDatabase(err: unknown): AppError | null {
  // Every connection busy is load on a database that answers: say so, not that it is down.
  if (isPoolWaitTimeout(err)) return new AppError("unavailable", "The service is busy: no database connection came free in time; retry shortly.");
  if (isDatabaseUnavailable(err)) return new AppError("unavailable", "The database is unavailable right now; retry shortly.");
  if (isTransientDatabaseError(err)) return new AppError("unavailable", "The database could not finish this request just now (a conflicting change or a timeout); retry shortly.");
  return null;
}

/** The error as the client is told it (a typed error, or the framework's or database's known ones), or null for a failure of ours. */
export function knownError(err: unknown): AppError | null {
  return err instanceof AppError ? err : (fromFramework(err as Parameters<typeof fromFramework>[0]) ?? fromDatabase(err));
}

/** The problem document's fields for a known error, as `problemHandler` sends them (headers aside). */
export function problemFields(known: AppError): { type: string; title: string; status: number; detail: string; [key: string]: unknown } {
  const { fields, headers: _, ...rest } = known.extra;
  return { type: `about:blank#${known.code}`, title: TITLE[known.code], status: STATUS[known.code], detail: known.message, ...rest, ...(fields ? { invalid_params: fields satisfies InvalidField[] } : {}) };
}

/** The one error handler: typed errors become problem+json (or `format`); anything else is logged and masked. */
export function problemHandler(logger: Logger, format: ErrorFormat = PROBLEM_JSON): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = knownError(err);
    if (res.headersSent) {
      if (known?.code === "unavailable") logger.warn({ reqId: req.id, detail: known.message }, "response cut short: the database is unavailable");
      else logger.error({ err, reqId: req.id }, "error after the response started");
      res.end();
      return;
    }
    if (!(err instanceof AppError) && !isDatabaseUnavailable(err) && isTransientDatabaseError(err)) {
      // Still worth a look: a deadlock between our own statements is a bug to fix, not only to retry.
      logger.warn({ err: describeDatabaseError(err), reqId: req.id }, "request refused: the database gave up on a statement");
    }
    if (known) {
      // `retry_after` (whole seconds) is the same number in the header and the body; `headers` are
      // response headers (an auth handler's WWW-Authenticate, say), not part of the body.
      const { fields, headers, ...rest } = known.extra;
      if (typeof headers === "object" && headers !== null) res.set(headers as Record<string, string>);
      format.send(res, known.code, known.message, { ...rest, ...(fields ? { invalid_params: fields satisfies InvalidField[] } : {}) });
      return;
    }
    logger.error({ err, reqId: req.id }, "unhandled error");
    format.send500(res, String(req.id ?? ""));
  };
}

function sendProblem500(res: Response, requestId: string): void {
  res.status(500).type("application/problem+json").json(problem500(requestId));
}

/** The opaque answer to a failure of ours: what went wrong is in the log, under the request id. */
export function problem500(requestId: string) {
  return { type: "about:blank", title: "Internal Server Error", status: 500, detail: "Something went wrong on our side; the error was logged.", request_id: requestId };
}
