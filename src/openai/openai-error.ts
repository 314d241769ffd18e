import type { Response } from "express";
import type { ErrorCode, InvalidField } from "../errors.js";
import { type ErrorFormat, setErrorStatus } from "../http/problem.js";

/** The error body OpenAI's API answers with, which its SDKs and the chat UIs built on them show. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

// OpenAI's own `type` and `code` where it has an error of the kind; ours otherwise.
const TYPE: Partial<Record<ErrorCode, string>> = { rate_limited: "requests", quota_exceeded: "insufficient_quota", ui_unavailable: "server_error", secrets_unreadable: "server_error", unavailable: "server_error" };
const CODE: Partial<Record<ErrorCode, string>> = { unauthorized: "invalid_api_key", rate_limited: "rate_limit_exceeded", quota_exceeded: "insufficient_quota" };

/**
 * Errors of the `/v1` routes in OpenAI's shape, `{"error": {message, type, param, code}}`, with the
 * status our problem documents have: an OpenAI client shows `error.message`. `param` is the first
 * invalid field (`messages[1].content`), `code` OpenAI's where it has one (`model_not_found`).
 */
export const OPENAI_ERRORS: ErrorFormat = {
  send(res, code, detail, extra) {
    setErrorStatus(res, code, extra);
    const fields = extra.invalid_params as InvalidField[] | undefined;
    const param = typeof extra.param === "string" ? extra.param : (fields?.[0]?.name ?? null);
    const errorCode = typeof extra.error_code === "string" ? extra.error_code : (CODE[code] ?? code);
    sendOpenAiError(res, { message: detail, type: TYPE[code] ?? "invalid_request_error", param, code: errorCode });
  },
  send500(res, requestId) {
    res.status(500);
    sendOpenAiError(res, { message: `Something went wrong on our side; the error was logged (request ${requestId}).`, type: "server_error", param: null, code: "internal" });
  },
};

export function sendOpenAiError(res: Response, error: OpenAiErrorBody["error"]): void {
  res.json({ error } satisfies OpenAiErrorBody);
}
