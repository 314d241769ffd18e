import type { SerializerProtocol } from "@langchain/langgraph-checkpoint";

/** Elements serialized between two turns of the event loop. */
const SLICE = 500;
const COMMA = new Uint8Array([0x2c]);

/**
 * LangGraph's serializer, but a long list (a long thread's messages) is written a slice at a time,
 * the event loop let go in between: a checkpoint of 20,000 messages otherwise holds the process for
 * seconds. The bytes are the same as in one piece: JSON's array is its elements joined by commas,
 * and the serializer treats each element alike wherever it stands.
 */
export class YieldingSerializer implements SerializerProtocol {
  constructor(private readonly inner: SerializerProtocol) {}

  async dumpsTyped(data: unknown): Promise<[string, Uint8Array]> {
    if (!Array.isArray(data) || data.length <= SLICE) return this.inner.dumpsTyped(data);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < data.length; i += SLICE) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      const [type, bytes] = await this.inner.dumpsTyped(data.slice(i, i + SLICE));
      // Not JSON (bytes, say): nothing to slice after all.
      if (type !== "json") return this.inner.dumpsTyped(data);
      if (i > 0) parts.push(COMMA);
      // The slice's own brackets off: "[a,b]" gives "a,b".
      parts.push(bytes.subarray(1, bytes.length - 1));
    }
    return ["json", Buffer.concat([Buffer.from("["), ...parts, Buffer.from("]")])];
  }

  loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    return this.inner.loadsTyped(type, data);
  }
}
