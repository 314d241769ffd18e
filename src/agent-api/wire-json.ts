/**
 * JSON text the way the Agent Server writes it (`serialiseAsDict` in the JS server): each LangChain
 * message as its `toDict()` data plus its `type` ({content, additional_kwargs, response_metadata,
 * id, type, …}), not the `lc` constructor form `JSON.stringify` would give. Always one line.
 */
export function wireJsonText(value: unknown): string {
  const text: string | undefined = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    // `this[key]` is the value before its toJSON ran: the message itself.
    const raw = this[key] as { toDict?: () => { type: string; data: Record<string, unknown> } } | null | undefined;
    if (raw && typeof raw === "object" && typeof raw.toDict === "function") {
      const { type, data } = raw.toDict();
      return { ...data, type };
    }
    return v;
  });
  // JSON.stringify has no text for undefined (or a function); the wire says null.
  return text ?? "null";
}

/** A graph's values as the Agent Server writes them, as a plain JSON value (see wireJsonText). */
export function wireJson(value: unknown): unknown {
  return JSON.parse(wireJsonText(value));
}
