import { randomBytes } from "node:crypto";
import { wireMessageBytes, wireMessageText } from "./wire-message-text.js";

/**
 * Graph values as the Agent Server writes them (see wireJsonText), for one answer that may show
 * many states (a history): `of` each value, then `stringify` the answer once. A long thread's
 * history holds the same messages in every state; `wireJson` builds each of them per state (two
 * `toJSON` calls each), parses the text back, and the answer is encoded again. Here each message
 * is built once (and kept, see wireMessageText), stands in the answer as a placeholder string, and
 * its text is put in its place in the answer's JSON text.
 *
 * `of` walks a value as `JSON.stringify` does with wireJsonText's replacer (`toJSON(key)` first, a
 * message replaced by its dict, arrays by index, objects by own enumerable keys) and leaves to the
 * final `JSON.stringify` what it writes as is (primitives, boxed ones) or leaves out (undefined,
 * functions, symbols). So `stringify` gives the text `wireJsonText` would have.
 */
export class WireValues {
  /** A placeholder is `marker` + slot number, as a JSON string; the marker is 128 random bits. */
  private readonly marker = `tl-wire-${randomBytes(16).toString("hex")}-`;
  private readonly texts: string[] = [];
  /** The message of each slot. */
  private readonly messages: object[] = [];
  private readonly slots = new Map<object, number>();
  /** Where each placeholder was put: the container, its key, the slot. */
  private readonly placed: [Record<string, unknown> | unknown[], string | number, number][] = [];

  /** The value as `wireJson` gives it, its messages as placeholders: only for `stringify` of this instance. */
  of(value: unknown): unknown {
    if (isMessage(value)) return JSON.parse(wireMessageText(value));
    const v = this.walk(value, "");
    return v === undefined || typeof v === "function" || typeof v === "symbol" ? null : v;
  }

  /** `JSON.stringify(answer)` (an object holding values from `of`) with each message's text in place. */
  stringify(answer: object): string {
    const pieces = this.pieces(answer);
    return typeof pieces === "string" ? pieces : pieces.map((p) => (typeof p === "string" ? p : this.texts[p])).join("");
  }

  /**
   * `stringify`'s text as UTF-8, what an HTTP answer sends: each message's bytes (kept with its text,
   * see wireMessageBytes) copied in place, so the answer's whole text (megabytes for a long thread's
   * history) is neither built nor encoded.
   */
  bytes(answer: object): Buffer {
    const pieces = this.pieces(answer);
    if (typeof pieces === "string") return Buffer.from(pieces);
    const encoded = this.texts.map((text, slot) => wireMessageBytes(this.messages[slot], text));
    let size = 0;
    for (const p of pieces) size += typeof p === "string" ? Buffer.byteLength(p) : encoded[p].length;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const p of pieces) at += typeof p === "string" ? out.write(p, at) : encoded[p].copy(out, at);
    return out;
  }

  /** The answer's JSON text as pieces of text and message slots, or whole (nothing placed, or a placeholder clash). */
  private pieces(answer: object): string | (string | number)[] {
    const text = JSON.stringify(answer);
    if (this.placed.length === 0) return text;
    const parts = text.split(`"${this.marker}`);
    const counts = new Array<number>(this.texts.length).fill(0);
    for (const [, , slot] of this.placed) counts[slot]++;
    const out: (string | number)[] = [parts[0]];
    for (let i = 1; i < parts.length; i++) {
      const m = /^(\d+)"/.exec(parts[i]);
      const slot = m ? Number(m[1]) : -1;
      // Anything else matching (a string of the graph's that is a placeholder, 2^-128) and the answer is built the slow way.
      if (slot < 0 || slot >= this.texts.length || --counts[slot] < 0) return this.slowly(answer);
      out.push(slot, parts[i].slice(m![0].length));
    }
    return counts.every((n) => n === 0) ? out : this.slowly(answer);
  }

  private slowly(answer: object): string {
    for (const [container, key, slot] of this.placed) (container as Record<string, unknown>)[key] = JSON.parse(this.texts[slot]);
    this.placed.length = 0;
    return JSON.stringify(answer);
  }

  private walk(raw: unknown, key: string): unknown {
    let v = raw;
    if (v !== null && (typeof v === "object" || typeof v === "bigint") && typeof (v as { toJSON?: unknown }).toJSON === "function") v = (v as { toJSON(key: string): unknown }).toJSON(key);
    if (v === null || typeof v !== "object" || v instanceof Number || v instanceof String || v instanceof Boolean) return v;
    if (Array.isArray(v)) {
      const out = new Array<unknown>(v.length);
      for (let i = 0; i < v.length; i++) out[i] = this.item(out, i, v[i]);
      return out;
    }
    // No prototype: a key named __proto__ stays a key. A `toJSON` found here is on a toJSON result,
    // which JSON.stringify does not call again: it must not be called later either.
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(v)) {
      const item = this.item(out, k, (v as Record<string, unknown>)[k]);
      if (k === "toJSON" && typeof item === "function") continue;
      out[k] = item;
    }
    return out;
  }

  /** An entry of a container being built: a message's placeholder (noted where), or the walked value. */
  private item(container: Record<string, unknown> | unknown[], key: string | number, raw: unknown): unknown {
    if (!isMessage(raw)) return this.walk(raw, String(key));
    let slot = this.slots.get(raw);
    if (slot === undefined) {
      slot = this.texts.push(wireMessageText(raw)) - 1;
      this.messages.push(raw);
      this.slots.set(raw, slot);
    }
    this.placed.push([container, key, slot]);
    return `${this.marker}${slot}`;
  }
}

/** What wireJsonText's replacer turns into a dict: anything with a `toDict`, as LangChain's messages. */
function isMessage(raw: unknown): raw is object {
  return raw !== null && typeof raw === "object" && typeof (raw as { toDict?: unknown }).toDict === "function";
}
