import { createHash } from "node:crypto";

/** A statement as pg's named (prepared) statement: its name, derived from its text, and the text. */
export interface Prepared {
  name: string;
  text: string;
}

/**
 * `text` as a named statement: each connection parses and plans it once, and PostgreSQL may keep a
 * generic plan after a few runs, instead of planning it on every call (about 0.8 ms for a thread's
 * checkpoint read, every turn, before the model is asked). For statements of fixed text on the turn's
 * path only: each connection keeps every statement it prepared for as long as it lives. The name is
 * the text's hash, so two texts never share one (pg refuses a name reused with another text).
 */
export function prepared(text: string): Prepared {
  let statement = made.get(text);
  if (!statement) made.set(text, (statement = { name: `tl_${createHash("sha256").update(text).digest("base64url").slice(0, 24)}`, text }));
  return statement;
}

/** Each text's statement, made once (the texts are the fixed few of the turn's path). */
const made = new Map<string, Prepared>();
