import { z } from "zod";
import { containsNul, loneSurrogatePath } from "./validate.js";

const noNul = (text: string) => !containsNul(text);

/** A JSON object in a query parameter, such as `metadata={"project":"x"}` (URL-encoded). */
const jsonObject = z
  .string()
  .max(4000)
  .transform((text, ctx) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON object, such as {\"project\":\"x\"}" });
      return z.NEVER;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: "custom", message: "must be a JSON object, not an array or a scalar" });
      return z.NEVER;
    }
    if (containsNul(value)) {
      ctx.addIssue({ code: "custom", message: "must not contain NUL (U+0000) characters" });
      return z.NEVER;
    }
    if (loneSurrogatePath(value) !== null) {
      ctx.addIssue({ code: "custom", message: "must not contain unpaired UTF-16 surrogates (such as \\ud800)" });
      return z.NEVER;
    }
    return value as Record<string, unknown>;
  });

/**
 * `GET /api/threads`: a keyset page (newest first), narrowed by status, by metadata containing a
 * JSON object, by assistant or graph, and by a full-text query in web-search syntax (`"a phrase"`, `or`, `-word`).
 */
export const threadListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(500).optional(),
  q: z.string().trim().min(1, "must not be empty").max(500).refine(noNul, "must not contain NUL (U+0000) characters").optional(),
  status: z.enum(["idle", "busy", "interrupted", "error"]).optional(),
  metadata: jsonObject.optional(),
  // Threads made with this assistant: a graph id (its defaults) or a stored assistant's UUID.
  assistant_id: z.string().trim().min(1, "must not be empty").max(200).refine(noNul, "must not contain NUL (U+0000) characters").optional(),
  graph_id: z.string().trim().min(1, "must not be empty").max(100).refine(noNul, "must not contain NUL (U+0000) characters").optional(),
});
