import type { RequestHandler } from "express";
import { AppError } from "../errors.js";
import { loneSurrogatePath } from "./validate.js";

/**
 * How deeply a request's JSON may nest (objects and arrays). Real requests nest a dozen levels at
 * most; much deeper ones only make every recursive step after parsing (validation, serialising,
 * LangGraph's own copies) risk overflowing the stack.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * After the JSON parser: refuses a body nested deeper than MAX_JSON_DEPTH (naming `body`) or holding
 * text that is not Unicode (a lone surrogate, naming its field), before any route reads it.
 */
export const checkJsonBody: RequestHandler = (req, _res, next) => {
  next(jsonRefusal(req.body) ?? undefined);
};

/** Why a parsed JSON value is refused (nested too deep, or not Unicode), or null: `checkJsonBody`'s checks. */
export function jsonRefusal(body: unknown): AppError | null {
  if (body === null || typeof body !== "object") return null;
  if (depthExceeds(body, MAX_JSON_DEPTH)) return nestedTooDeep();
  const at = loneSurrogatePath(body);
  return at === null ? null : notUnicode(at || "body");
}

/** The refusal of a body nested deeper than MAX_JSON_DEPTH (also a streamed body's, as it is read). */
export function nestedTooDeep(): AppError {
  const reason = `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;
  return new AppError("invalid_request", `Invalid body: body: ${reason}`, { fields: [{ name: "body", reason }] });
}

/** The refusal of text holding an unpaired surrogate, naming the field (`name`) that holds it. */
export function notUnicode(name: string): AppError {
  const reason = "must not contain unpaired UTF-16 surrogates (such as \\ud800): that is not Unicode text";
  return new AppError("invalid_request", `Invalid body: ${name}: ${reason}`, { fields: [{ name, reason }] });
}

/** Whether objects and arrays nest deeper than `limit`, found without recursion. */
function depthExceeds(root: object, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== "object") continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}
