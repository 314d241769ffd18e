import { createHash } from "node:crypto";
import { isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import type { SerializerProtocol } from "@langchain/langgraph-checkpoint";

/**
 * A message as stored once in `checkpoint_messages`: its id, the hash of its bytes, and the bytes
 * (as read back: JSON text, encoded only if it is ever written again).
 */
export interface MessageDigest {
  id: string;
  hash: string;
  type: string;
  bytes: Uint8Array | string;
}

/** Messages serialized between two turns of the event loop. */
const SLICE = 500;

interface Known extends MessageDigest {
  /** The message's own property values when digested: one reassigned since means digest again. */
  seen: unknown[];
}

/** The hash of a message's serialized bytes: 128 bits of SHA-256, base64url. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64url").slice(0, 22);
}

/**
 * Digests of message objects, remembered by object. LangGraph keeps the same message objects from
 * step to step (its reducer copies the list, not the messages), and the saver registers the ones it
 * reads, so a step serializes only the messages it made or changed, not the whole thread again. A
 * message whose fields were reassigned since (a node editing it in place) is digested again; one
 * changed deeper inside a field it still holds (a pushed content block) is not noticed, which is why
 * LangChain's messages are replaced, not edited, by its own reducers and by ours.
 */
export class MessageDigests {
  private readonly known = new WeakMap<object, Known>();

  constructor(private readonly serde: SerializerProtocol) {}

  /** The digests of a list whose every entry is a message with an id, or null (stored as a value then). */
  async digestList(value: unknown): Promise<MessageDigest[] | null> {
    if (!Array.isArray(value) || value.length === 0) return null;
    if (!value.every((m) => isBaseMessage(m) && typeof m.id === "string" && m.id !== "")) return null;
    const digests: MessageDigest[] = [];
    for (const message of value as BaseMessage[]) {
      // A long thread's first write (nothing known yet) lets the event loop go now and then.
      if (digests.length % SLICE === SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
      // Known ones without an `await` each: every step writes the whole list, nearly all of it known,
      // and each promise runs the process's async hooks (a 440-message list: 3.5 ms a turn).
      const digest = this.knownDigest(message) ?? (await this.digest(message));
      if (!digest) return null;
      digests.push(digest);
    }
    return digests;
  }

  /** The message's digest if it is still as it was when digested (or read), else undefined. */
  private knownDigest(message: BaseMessage): MessageDigest | undefined {
    const known = this.known.get(message);
    return known && sameValues(known.seen, Object.values(message)) ? known : undefined;
  }

  private async digest(message: BaseMessage): Promise<MessageDigest | null> {
    const [type, bytes] = await this.serde.dumpsTyped(message);
    // Stored as text and read back as such (see message-store-sql): JSON only, which messages are.
    if (type !== "json") return null;
    const fresh: Known = { id: message.id!, hash: hashBytes(bytes), type, bytes, seen: Object.values(message) };
    this.known.set(message, fresh);
    return fresh;
  }

  /** Whether `message` is still as it was when it was digested (or read) with this hash. */
  unchanged(message: unknown, hash: string): boolean {
    return this.knownDigest(message as BaseMessage)?.hash === hash;
  }

  /** Registers a message just read from its stored bytes, so writing it again costs nothing. */
  remember(message: unknown, digest: MessageDigest): void {
    if (isBaseMessage(message) && message.id === digest.id) this.known.set(message, { ...digest, seen: Object.values(message) });
  }
}

function sameValues(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
