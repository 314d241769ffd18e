/**
 * A graph's values as the Agent Server writes them: each LangChain message as its `toDict()` data
 * plus its `type` ({content, additional_kwargs, response_metadata, id, type, …}), not the `lc`
 * constructor form `JSON.stringify` would give.
 */
export function wireJson(value: unknown): unknown {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    // `this[key]` is the value before its toJSON ran: the message itself.
    const raw = this[key] as { toDict?: () => { type: string; data: Record<string, unknown> } } | null | undefined;
    if (raw && typeof raw === "object" && typeof raw.toDict === "function") {
      const { type, data } = raw.toDict();
      return { ...data, type };
    }
    return v;
  });
  return text === undefined ? null : JSON.parse(text);
}
