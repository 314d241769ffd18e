import type { RequestHandler } from "express";
import type { z } from "zod";
import { AppError } from "../errors.js";

/** Parses input with a zod schema; failures become a 400 naming each invalid field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, where: "body" | "query" | "path" | "frame" = "body"): z.infer<S> {
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
  return findText(value, (text) => text.includes("\u0000")) !== null;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The path (`metadata.note`, `input.messages.0.content`) of the first string or key holding an
 * unpaired UTF-16 surrogate (`"\ud800"` in JSON), or null. Such text is not Unicode: `jsonb` refuses
 * it and a `text` column would store U+FFFD instead, so it is refused wherever it arrives.
 */
export function loneSurrogatePath(value: unknown): string | null {
  return findText(value, (text) => LONE_SURROGATE.test(text));
}

/**
 * Walks a JSON value without recursion (a deeply nested one cannot overflow the stack) and returns
 * the path of the first key or string that `test` accepts ("" for the value itself), or null.
 */
function findText(root: unknown, test: (text: string) => boolean): string | null {
  const stack: { value: unknown; path: string }[] = [{ value: root, path: "" }];
  const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === "string") {
      if (test(value)) return path;
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: join(path, String(i)) });
    } else if (value !== null && typeof value === "object") {
      const entries = Object.entries(value);
      for (const [key] of entries) if (test(key)) return join(path, key);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], path: join(path, entries[i]![0]) });
    }
  }
  return null;
}
