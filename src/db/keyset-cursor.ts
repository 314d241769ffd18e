import { AppError } from "../errors.js";

/**
 * Opaque cursors for keyset pagination on (timestamp, uuid). The timestamp travels as PostgreSQL's
 * own text, so microseconds survive the round trip through JavaScript.
 */
export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString("base64url");
}

/** The cursor's (timestamp, uuid), or a 400 naming the `cursor` field. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && !Number.isNaN(Date.parse(value[0])) && /^[0-9a-f-]{36}$/i.test(value[1])) {
      return value as [string, string];
    }
  } catch {
    // fall through to the error below
  }
  throw malformedCursor();
}

// A cursor's shape is checked above, but PostgreSQL judges its values (2026-02-30 has the shape of
// a date, "GMT+9999" the shape of a time zone): a failed cast can only come from a forged cursor.
// Invalid text, datetime format and field overflow; a time zone unknown or out of range.
const CAST_FAILURES = new Set(["22P02", "22007", "22008", "22023", "22009"]);

/** Maps a failed cast of a cursor's values to the same 400 as a malformed cursor. */
export function castFailureToMalformed(err: { code?: string }): never {
  throw CAST_FAILURES.has(err.code ?? "") ? malformedCursor() : err;
}

export function malformedCursor(): AppError {
  return new AppError("invalid_request", "The cursor is not one this service issued.", { fields: [{ name: "cursor", reason: "malformed" }] });
}
