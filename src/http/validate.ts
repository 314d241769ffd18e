import type { RequestHandler } from "express";
import type { z } from "zod";
import { AppError } from "../errors.js";

/** Parses input with a zod schema; failures become a 400 naming each invalid field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, where: "body" | "query" | "path" = "body"): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => ({ name: [...issue.path, key].join("."), reason: "unknown field" }));
    return [{ name: issue.path.join(".") || where, reason: issue.message }];
  });
  const summary = fields.map((f) => `${f.name}: ${f.reason}`).join("; ");
  throw new AppError("invalid_request", `Invalid ${where}: ${summary}`, { fields });
}

/**
 * For routes that take a JSON body: a body sent as another type would be skipped by the JSON parser
 * and then reported as missing fields, which misleads the client. No body at all is let through.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (req.is("application/json") === false) {
    next(new AppError("invalid_request", `The request body must be application/json, not ${req.get("content-type") ?? "untyped"}.`, {
      fields: [{ name: "content-type", reason: "must be application/json" }],
    }));
    return;
  }
  next();
};

/**
 * True if any string or key in a JSON value holds U+0000. PostgreSQL stores neither in `text` nor in
 * `jsonb`, so such input would pass the stream and then fail when the run is written to the mirror.
 */
export function containsNul(value: unknown): boolean {
  let found = false;
  JSON.stringify(value, (key, v: unknown) => {
    if (key.includes("\u0000") || (typeof v === "string" && v.includes("\u0000"))) found = true;
    return v;
  });
  return found;
}
