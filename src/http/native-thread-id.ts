import { z } from "zod";

const RULE = "must be 1 to 128 letters, digits, -, _, . or :, starting with a letter or a digit";

/**
 * What a native client may call a thread: a UUID, or an id of its own. Never `.` or `..`, and no
 * slash or space, so an id is safe in a URL path, a header and (with `:` replaced) a filename.
 */
export const nativeThreadId = (missing = "is required") =>
  z.string({ error: (issue) => (issue.input === undefined ? missing : RULE) }).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, RULE);

/** The path parameters of `/api/threads/:id` and its sub-routes. */
export const threadIdParams = z.object({ id: nativeThreadId() });
