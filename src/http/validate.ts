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
