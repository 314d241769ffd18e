import { randomBytes } from "node:crypto";
import { wireMessageBytes, wireMessageText } from "./wire-message-text.js";

/**
 * Graph values as the Agent Server writes them (see wireJsonText), for one answer that may show
 * many states (a history): `of` each value, then `stringify` the answer once. A long thread's
 * history holds the same messages in every state; `wireJson` builds each of them per state (a
 * `toJSON` call each), parses the text back, and the answer is encoded again. Here each message
 * is built once (and kept, see wireMessageText), stands in the answer as a placeholder string, and
 * its text is put in its place in the answer's JSON text.
 *
 * `of` walks a value as `JSON.stringify` does with wireJsonText's replacer (`toJSON(key)` first, a
 * message replaced by its dict, arrays by index, objects by own enumerable keys) and leaves to the
 * final `JSON.stringify` what it writes as is (primitives, boxed ones) or leaves out (undefined,
 * functions, symbols). So `stringify` gives the text `wireJsonText` would have.
 */
export class WireValues {
  /** A placeholder is `marker` + run number, as a JSON string; the marker is 128 random bits. */
  private readonly marker = `tl-wire-${randomBytes(16).toString("hex")}-`;
  private readonly texts: string[] = [];
  /** The message of each slot. */
  private readonly messages: object[] = [];
  private readonly slots = new Map<object, number>();
  /**
   * What each placeholder stands for: a message's slot, or a list of messages (a state's `messages`:
   * one placeholder for the list, not one per message, keeps the answer's own JSON small).
   */
  private readonly runs: { slots: number[]; list: boolean }[] = [];
  /** The objects being walked, outermost first. */
  private readonly open = new Set<object>();
  /** Where each placeholder was put: the container, its key, the run. */
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
    if (typeof pieces === "string") return pieces;
    return pieces.map((p) => (typeof p === "string" ? p : typeof p === "number" ? this.texts[p] : `[${p.map((slot) => this.texts[slot]).join(",")}]`)).join("");
  }

  /**
   * `stringify`'s text as UTF-8, what an HTTP answer sends, in pieces to be written one after the
   * other (see sendJson): each message's bytes (kept with its text, see wireMessageBytes) copied in
   * place, so the answer's whole text (megabytes for a long thread's history) is neither built nor
   * encoded. A list of messages that begins as the longest list before it did (a history's states,
   * newest first, each the first one less its last messages) is sent from where that list was
   * written, as views of it: a page of 10 states of a 100-turn thread is 1.7 MB of text of which
   * 0.17 MB is written, and fresh memory is dear (a first touch of a page costs more than copying it).
   */
  chunks(answer: object): Buffer[] {
    const pieces = this.pieces(answer);
    if (typeof pieces === "string") return [Buffer.from(pieces)];
    const encoded = this.texts.map((text, slot) => wireMessageBytes(this.messages[slot], text));
    // First the bytes to write: all but the beginnings of lists that are sent as views. A list shares
    // its beginning with the longest list before it (the later of equals), which it may then become.
    const shared = new Array<number>(pieces.length).fill(0);
    const becomesLongest = new Array<boolean>(pieces.length).fill(false);
    let size = 0;
    let longest: number[] = [];
    for (const [i, p] of pieces.entries()) {
      if (typeof p === "string") size += Buffer.byteLength(p);
      else if (typeof p === "number") size += encoded[p].length;
      else {
        const n = Math.min(longest.length, p.length);
        let j = 0;
        while (j < n && longest[j] === p[j]) j++;
        shared[i] = j;
        // "[" and "]", then each message not shared and the comma before it.
        size += 2;
        for (let k = j; k < p.length; k++) size += encoded[p[k]].length + (k > 0 ? 1 : 0);
        if (p.length >= longest.length) {
          longest = p;
          becomesLongest[i] = true;
        }
      }
    }
    const written = Buffer.allocUnsafe(size);
    const out: Buffer[] = [];
    let at = 0;
    let from = 0;
    const send = (views: Buffer[]) => {
      if (at > from) out.push(written.subarray(from, at));
      from = at;
      out.push(...views);
    };
    // The longest list sent yet: its text between the brackets as the buffers it was sent as, and
    // where each of its messages ends in that text.
    let list: { text: Buffer[]; ends: number[] } = { text: [], ends: [] };
    for (const [i, p] of pieces.entries()) {
      if (typeof p === "string") at += written.write(p, at);
      else if (typeof p === "number") at += encoded[p].copy(written, at);
      else {
        written[at++] = LEFT_BRACKET;
        const j = shared[i];
        const text = j > 0 ? firstBytes(list.text, list.ends[j - 1]) : [];
        const ends = list.ends.slice(0, j);
        send(text);
        const start = at;
        const offset = j > 0 ? ends[j - 1] - start : -start;
        for (let k = j; k < p.length; k++) {
          if (k > 0) written[at++] = COMMA;
          at += encoded[p[k]].copy(written, at);
          ends.push(at + offset);
        }
        if (at > start) text.push(written.subarray(start, at));
        written[at++] = RIGHT_BRACKET;
        if (becomesLongest[i]) list = { text, ends };
      }
    }
    send([]);
    return out;
  }

  /** The answer's JSON text as pieces of text, message slots and lists of them, or whole (nothing placed, or a placeholder clash). */
  private pieces(answer: object): string | (string | number | number[])[] {
    const text = JSON.stringify(answer);
    if (this.placed.length === 0) return text;
    const parts = text.split(`"${this.marker}`);
    const seen = new Array<boolean>(this.runs.length).fill(false);
    const out: (string | number | number[])[] = [parts[0]];
    for (let i = 1; i < parts.length; i++) {
      const m = /^(\d+)"/.exec(parts[i]);
      const run = m ? Number(m[1]) : -1;
      // Anything else matching (a string of the graph's that is a placeholder, 2^-128) and the answer is built the slow way.
      if (run < 0 || run >= this.runs.length || seen[run]) return this.slowly(answer);
      seen[run] = true;
      const { slots, list } = this.runs[run];
      out.push(list ? slots : slots[0], parts[i].slice(m![0].length));
    }
    return seen.every(Boolean) ? out : this.slowly(answer);
  }

  private slowly(answer: object): string {
    for (const [container, key, run] of this.placed) {
      const { slots, list } = this.runs[run];
      (container as Record<string, unknown>)[key] = list ? slots.map((slot) => JSON.parse(this.texts[slot])) : JSON.parse(this.texts[slots[0]]);
    }
    this.placed.length = 0;
    return JSON.stringify(answer);
  }

  private walk(raw: unknown, key: string): unknown {
    let v = raw;
    if (v !== null && (typeof v === "object" || typeof v === "bigint") && typeof (v as { toJSON?: unknown }).toJSON === "function") v = (v as { toJSON(key: string): unknown }).toJSON(key);
    if (v === null || typeof v !== "object" || v instanceof Number || v instanceof String || v instanceof Boolean) return v;
    // A value inside itself (a graph's own custom event may hold one) fails as JSON.stringify fails it.
    if (this.open.has(v)) throw new TypeError("Converting circular structure to JSON");
    this.open.add(v);
    try {
      return this.walkObject(v);
    } finally {
      this.open.delete(v);
    }
  }

  private walkObject(v: object): unknown {
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

  /** An entry of a container being built: a placeholder for a message or a list of them (noted where), or the walked value. */
  private item(container: Record<string, unknown> | unknown[], key: string | number, raw: unknown): unknown {
    if (isMessage(raw)) return this.place(container, key, [this.slotOf(raw)], false);
    if (isMessageList(raw)) return this.place(container, key, Array.from(raw, (m) => this.slotOf(m)), true);
    return this.walk(raw, String(key));
  }

  private place(container: Record<string, unknown> | unknown[], key: string | number, slots: number[], list: boolean): string {
    const run = this.runs.push({ slots, list }) - 1;
    this.placed.push([container, key, run]);
    return `${this.marker}${run}`;
  }

  private slotOf(message: object): number {
    let slot = this.slots.get(message);
    if (slot === undefined) {
      slot = this.texts.push(wireMessageText(message)) - 1;
      this.messages.push(message);
      this.slots.set(message, slot);
    }
    return slot;
  }
}

/**
 * `wireJsonText(value)`, each message's text taken from wireMessageText: a stream's `values` event
 * holds the thread's whole message list at every step, nearly all of it written before.
 */
export function wireValuesText(value: unknown): string {
  const values = new WireValues();
  const v = values.of(value);
  return v !== null && typeof v === "object" ? values.stringify(v) : JSON.stringify(v);
}

const [LEFT_BRACKET, COMMA, RIGHT_BRACKET] = Buffer.from("[,]");

/** The first `length` bytes of text sent as `buffers`, as views of them. */
function firstBytes(buffers: Buffer[], length: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0, left = length; left > 0; i++) {
    const b = buffers[i];
    out.push(b.length <= left ? b : b.subarray(0, left));
    left -= b.length;
  }
  return out;
}

/**
 * An array JSON.stringify would write as the list of its entries' texts: no `toJSON` of its own, not
 * empty, every index (holes too) a message.
 */
function isMessageList(raw: unknown): raw is object[] {
  if (!Array.isArray(raw) || raw.length === 0 || typeof (raw as { toJSON?: unknown }).toJSON === "function") return false;
  for (let i = 0; i < raw.length; i++) if (!isMessage(raw[i])) return false;
  return true;
}

/** What wireJsonText's replacer turns into a dict: anything with a `toDict`, as LangChain's messages. */
function isMessage(raw: unknown): raw is object {
  return raw !== null && typeof raw === "object" && typeof (raw as { toDict?: unknown }).toDict === "function";
}
