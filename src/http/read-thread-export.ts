import type { Readable, Transform } from "node:stream";
import zlib from "node:zlib";
import type { Request } from "express";
import type { z } from "zod";
import { AppError } from "../errors.js";
import { isInflateError } from "./inflate-error.js";
import { exportedMessage, exportedThread, type ThreadExport } from "../runs/import-thread.js";
import { MAX_JSON_DEPTH, nestedTooDeep, notUnicode } from "./check-json-body.js";
import { JsonObjectReader } from "./json-object-reader.js";
import { containsNul, loneSurrogatePath } from "./validate.js";

export interface ImportLimits {
  /** IMPORT_MAX_BYTES: the body, as sent and once decompressed. */
  maxBytes: number;
  /** IMPORT_MAX_MESSAGES. */
  maxMessages: number;
}

/**
 * Reads a thread export from the request as it arrives: each message is parsed and checked on its
 * own, so the body is never held as one string nor parsed in one piece, and the event loop is let
 * go after every chunk. Past a limit the answer is a 413 at once, without reading the rest.
 */
export async function readThreadExport(req: Request, limits: ImportLimits): Promise<ThreadExport> {
  if (req.is("application/json") === false) {
    throw new AppError("invalid_request", `The request body must be application/json, not ${req.get("content-type") ?? "untyped"}.`, {
      fields: [{ name: "content-type", reason: "must be application/json" }],
    });
  }
  const declared = Number(req.get("content-length"));
  if (declared > limits.maxBytes) throw tooLarge(limits);
  const messages: ThreadExport["messages"] = [];
  const reader = new JsonObjectReader("messages", (element, index) => {
    if (index >= limits.maxMessages) {
      throw new AppError("payload_too_large", `The export has more than ${limits.maxMessages} messages, the most this service imports at once (IMPORT_MAX_MESSAGES).`);
    }
    const message = checked(exportedMessage, element, `messages.${index}`);
    requireStorable(message, `messages.${index}`);
    messages.push(message);
  }, MAX_JSON_DEPTH, nestedTooDeep);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const inflate = inflater(req);
  const source: Readable = inflate ? req.pipe(inflate) : req;
  let bytes = 0;
  try {
    // Not destroyed when left early: the request is drained instead, so that the client reads the answer.
    for await (const chunk of source.iterator({ destroyOnReturn: false })) {
      bytes += (chunk as Buffer).length;
      if (bytes > limits.maxBytes) throw tooLarge(limits);
      reader.write(decode(decoder, chunk as Buffer));
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (err) {
    if (inflate) {
      req.unpipe(inflate);
      inflate.destroy();
    }
    req.resume();
    throw inflate && isInflateError(err) ? notEncodedAs(req) : err;
  }
  reader.write(decode(decoder));
  reader.end();
  const thread = checked(exportedThread, reader.members.thread, "thread");
  requireStorable(thread, "thread");
  if (messages.length === 0) {
    throw new AppError("invalid_request", "Invalid body: messages: must be an array of at least one message", { fields: [{ name: "messages", reason: "must be an array of at least one message" }] });
  }
  return { thread, messages };
}

/** What inflates the body when it was sent compressed (the limit then applies to what it inflates to). */
function inflater(req: Request): Transform | null {
  const encoding = (req.get("content-encoding") ?? "identity").toLowerCase();
  if (encoding === "identity") return null;
  const inflate = encoding === "gzip" ? zlib.createGunzip() : encoding === "deflate" ? zlib.createInflate() : encoding === "br" ? zlib.createBrotliDecompress() : null;
  if (!inflate) throw new AppError("invalid_request", `Unsupported content encoding "${encoding}".`, { fields: [{ name: "content-encoding", reason: "must be gzip, deflate, br or identity" }] });
  req.on("error", (err) => inflate.destroy(err));
  return inflate;
}

function notEncodedAs(req: Request): AppError {
  const encoding = req.get("content-encoding")!.toLowerCase();
  return new AppError("invalid_request", `The request body is not valid ${encoding} data, as its Content-Encoding says.`, {
    fields: [{ name: "content-encoding", reason: `the body does not inflate as ${encoding}` }],
  });
}

function decode(decoder: TextDecoder, chunk?: Buffer): string {
  try {
    return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
  } catch {
    throw new AppError("invalid_request", "The request body is not valid UTF-8.", { fields: [{ name: "body", reason: "malformed UTF-8" }] });
  }
}

/** `schema` applied to one part of the body, its invalid fields named from the body's root. */
function checked<S extends z.ZodType>(schema: S, value: unknown, at: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ name: [at, ...issue.path].join("."), reason: issue.message }));
  throw new AppError("invalid_request", `Invalid body: ${fields.map((f) => `${f.name}: ${f.reason}`).join("; ")}`, { fields });
}

/**
 * PostgreSQL stores neither NUL nor a lone UTF-16 surrogate, in text or in jsonb: refused here, not
 * failed later, as checkJsonBody and the chat routes refuse them (a surrogate naming its field).
 */
function requireStorable(value: unknown, at: string): void {
  if (containsNul(value)) {
    throw new AppError("invalid_request", "The export contains NUL characters, which cannot be stored.", { fields: [{ name: "body", reason: "contains NUL" }] });
  }
  const path = loneSurrogatePath(value);
  if (path !== null) throw notUnicode(path ? `${at}.${path}` : at);
}

const tooLarge = (limits: ImportLimits) =>
  new AppError("payload_too_large", `The export is larger than ${limits.maxBytes} bytes, the most this service imports at once (IMPORT_MAX_BYTES).`);
