import type { ErrorRequestHandler, Response } from "express";
import type { Logger } from "pino";
import { AppError, type ErrorCode, type InvalidField } from "../errors.js";
import type {} from "pino-http";

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unavailable: 503,
};

const TITLE: Record<ErrorCode, string> = {
  invalid_request: "Invalid request",
  unauthorized: "Unauthorized",
  not_found: "Not found",
  conflict: "Conflict",
  payload_too_large: "Payload too large",
  unavailable: "Service unavailable",
};

/** Writes an RFC 9457 problem document. */
export function sendProblem(res: Response, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): void {
  const status = STATUS[code];
  res.status(status).type("application/problem+json").json({ type: `about:blank#${code}`, title: TITLE[code], status, detail, ...extra });
}

/**
 * Errors from Express and body-parser carry a 4xx `status` (and body-parser a `type`); they are the
 * client's fault and say so. Anything else is ours and stays masked.
 */
function fromFramework(err: { type?: string; message?: string; status?: unknown; expose?: unknown }): AppError | null {
  if (err.type === "entity.parse.failed") return new AppError("invalid_request", `The request body is not valid JSON: ${err.message}`, { fields: [{ name: "body", reason: "malformed JSON" }] });
  if (err.type === "entity.too.large") return new AppError("payload_too_large", "The request body is larger than this service accepts.");
  if (err.type === "encoding.unsupported" || err.type === "charset.unsupported") return new AppError("invalid_request", err.message ?? "Unsupported body encoding.");
  // The router fails to decode a path parameter such as `%E0%A4%A`.
  if (err.status === 400 && err instanceof URIError) {
    return new AppError("invalid_request", "The request path is not valid percent-encoding.", { fields: [{ name: "path", reason: "malformed percent-encoding" }] });
  }
  if (err.expose === true && typeof err.status === "number" && err.status >= 400 && err.status < 500) {
    return new AppError(err.status === 413 ? "payload_too_large" : "invalid_request", err.message || "The request could not be read.");
  }
  return null;
}

/** The one error handler: typed errors become problem+json; anything else is logged and masked. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = err instanceof AppError ? err : fromFramework(err);
    if (res.headersSent) {
      logger.error({ err, reqId: req.id }, "error after the response started");
      res.end();
      return;
    }
    if (known) {
      const { fields, retryAfter, ...rest } = known.extra;
      // A 503 says when to come back (seconds).
      if (known.code === "unavailable") res.set("Retry-After", String(retryAfter ?? 1));
      sendProblem(res, known.code, known.message, { ...rest, ...(fields ? { invalid_params: fields satisfies InvalidField[] } : {}) });
      return;
    }
    logger.error({ err, reqId: req.id }, "unhandled error");
    sendProblem500(res, String(req.id ?? ""));
  };
}

function sendProblem500(res: Response, requestId: string): void {
  res.status(500).type("application/problem+json").json({
    type: "about:blank", title: "Internal Server Error", status: 500,
    detail: "Something went wrong on our side; the error was logged.", request_id: requestId,
  });
}
