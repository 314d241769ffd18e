import { wireJsonText } from "./wire-json.js";

interface Built {
  /** The message's own property values when built: one reassigned since means build again. */
  seen: unknown[];
  text: string;
  /** The text as UTF-8, once an answer sent it (see wireMessageBytes). */
  bytes?: Buffer;
}

const built = new WeakMap<object, Built>();

/**
 * A message's JSON text as `wireJsonText` writes it, kept as long as the message object lives. A
 * long thread's reads show the same few hundred messages again and again (the saver keeps the
 * objects it decoded, see MessageStore), and building one costs a `toJSON` call. As with the
 * saver's digests (MessageDigests), a message whose fields were reassigned is built again; one
 * edited deeper inside a field is not noticed, which is why LangChain's messages are replaced, not
 * edited, by its reducers and by ours. Any object kept and replaced that way may be written through
 * it too (a model call's stream metadata, the same object for each of its tokens).
 */
export function wireMessageText(message: object): string {
  const known = built.get(message);
  const values = Object.values(message);
  if (known && sameValues(known.seen, values)) return known.text;
  const text = wireJsonText(message);
  built.set(message, { seen: values, text });
  return text;
}

function sameValues(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** `text` (the message's, from wireMessageText) as UTF-8, encoded once while the message's text is that. */
export function wireMessageBytes(message: object, text: string): Buffer {
  const known = built.get(message);
  if (known?.text !== text) return Buffer.from(text);
  return (known.bytes ??= Buffer.from(text));
}
