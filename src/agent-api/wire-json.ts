import { BaseMessage } from "@langchain/core/messages";

/**
 * JSON text the way the Agent Server writes it (`serialiseAsDict` in the JS server): each LangChain
 * message as its `toDict()` data plus its `type` ({content, additional_kwargs, response_metadata,
 * id, type, …}), not the `lc` constructor form `JSON.stringify` would give. Always one line.
 */
export function wireJsonText(value: unknown): string {
  const text: string | undefined = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    // `this[key]` is the value before its toJSON ran: the message itself.
    const raw = this[key] as { toDict?: () => Dict } | null | undefined;
    if (raw && typeof raw === "object" && typeof raw.toDict === "function") {
      const { type, data } = dictOf(raw as { toDict(): Dict }, v);
      return { ...data, type };
    }
    return v;
  });
  // JSON.stringify has no text for undefined (or a function); the wire says null.
  return text ?? "null";
}

type Dict = { type: string; data: Record<string, unknown> };

/**
 * `message.toDict()`. LangChain's is `{type, data: toJSON().kwargs}`, and `serialized` is what
 * JSON.stringify just had the message's `toJSON` give: it is not serialized a second time (half of
 * what writing a message cost).
 */
function dictOf(message: { toDict(): Dict }, serialized: unknown): Dict {
  const kwargs = (serialized as { kwargs?: unknown } | null)?.kwargs;
  if ((message.toDict as unknown) !== BaseMessage.prototype.toDict || !BaseMessage.isInstance(message) || typeof kwargs !== "object" || kwargs === null) {
    return message.toDict();
  }
  return { type: message.getType(), data: kwargs as Record<string, unknown> };
}

/** A graph's values as the Agent Server writes them, as a plain JSON value (see wireJsonText). */
export function wireJson(value: unknown): unknown {
  return JSON.parse(wireJsonText(value));
}
