import { AppError } from "../errors.js";

type State =
  | "start" | "first-key" | "key" | "key-text" | "colon" | "value" | "value-text" | "after-member"
  | "first-element" | "element" | "element-text" | "after-element" | "done";

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Reads a JSON object as its text arrives, chunk by chunk, handing out the elements of one array
 * member (`arrayKey`) one at a time as each is complete; the other members are kept whole. So a
 * large document is never one string, nor one `JSON.parse`: only an element at a time is. Nesting
 * deeper than `maxDepth` is refused as it is met.
 */
export class JsonObjectReader {
  /** The members other than `arrayKey`, parsed. */
  readonly members: Record<string, unknown> = {};
  private state: State = "start";
  private key = "";
  /** The text of the value being read that earlier chunks held. */
  private pending = "";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private arrayIndex = 0;

  constructor(
    private readonly arrayKey: string,
    private readonly onElement: (element: unknown, index: number) => void,
    private readonly maxDepth = 64,
    /** The error nesting past `maxDepth` is refused with. */
    private readonly tooDeep: () => Error = () => malformed(`it is nested deeper than ${maxDepth} levels`),
  ) {}

  /** Reads the next piece of text; elements completed in it are handed out before it returns. */
  write(text: string): void {
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case "start":
          if (!WHITESPACE.has(c)) this.expect(c === 0x7b, "the document must be a JSON object", "first-key");
          break;
        case "first-key":
        case "key":
          if (WHITESPACE.has(c)) break;
          if (c === 0x7d && this.state === "first-key") {
            this.state = "done";
            break;
          }
          this.expect(c === QUOTE, "expected a member name", "key-text");
          start = i;
          this.inString = true;
          break;
        case "colon":
          if (!WHITESPACE.has(c)) this.expect(c === 0x3a, "expected ':' after a member name", "value");
          break;
        case "value":
          if (WHITESPACE.has(c)) break;
          if (this.key === this.arrayKey) {
            this.expect(c === 0x5b, `${this.arrayKey} must be an array`, "first-element");
            this.arrayIndex = 0;
            break;
          }
          start = i;
          this.state = "value-text";
          continue;
        case "first-element":
        case "element":
          if (WHITESPACE.has(c)) break;
          if (c === 0x5d && this.state === "first-element") {
            this.state = "after-member";
            break;
          }
          start = i;
          this.state = "element-text";
          continue;
        case "key-text":
        case "value-text":
        case "element-text": {
          const end = this.scan(text, i, start);
          if (end === -1) {
            i = text.length;
            continue;
          }
          const raw = this.pending + text.slice(start, end);
          this.pending = "";
          i = end;
          if (this.state === "key-text") {
            this.key = JSON.parse(raw) as string;
            this.state = "colon";
          } else if (this.state === "value-text") {
            // Defined, not assigned: a member named __proto__ stays data.
            Object.defineProperty(this.members, this.key, { value: parse(raw), enumerable: true, writable: true, configurable: true });
            this.state = "after-member";
          } else {
            this.onElement(parse(raw), this.arrayIndex++);
            this.state = "after-element";
          }
          continue;
        }
        case "after-member":
          if (WHITESPACE.has(c)) break;
          if (c === 0x7d) this.state = "done";
          else this.expect(c === 0x2c, "expected ',' or '}' after a member", "key");
          break;
        case "after-element":
          if (WHITESPACE.has(c)) break;
          if (c === 0x5d) this.state = "after-member";
          else this.expect(c === 0x2c, "expected ',' or ']' after an element", "element");
          break;
        case "done":
          if (!WHITESPACE.has(c)) throw malformed("unexpected text after the document");
          break;
      }
      i++;
    }
    if (this.state === "key-text" || this.state === "value-text" || this.state === "element-text") this.pending += text.slice(start);
  }

  /** The end of the text: the document must be complete. */
  end(): void {
    if (this.state !== "done") throw malformed("the document ends before it is complete");
  }

  /**
   * Scans a value from `from` (its first character at `start`); returns the index just past its end,
   * or -1 when it goes on in the next chunk. A number or literal ends before the character that ends it.
   */
  private scan(text: string, from: number, start: number): number {
    const first = this.pending.length > 0 ? this.pending.charCodeAt(0) : text.charCodeAt(start);
    const nested = first === 0x7b || first === 0x5b;
    const isString = first === QUOTE;
    if (!nested && !isString) {
      for (let i = from; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (WHITESPACE.has(c) || c === 0x2c || c === 0x7d || c === 0x5d) return i;
      }
      return -1;
    }
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (isString) return i + 1;
        }
        continue;
      }
      // The opening quote of a string value is read here too.
      if (c === QUOTE) this.inString = true;
      else if (c === 0x7b || c === 0x5b) {
        if (++this.depth + this.baseDepth() > this.maxDepth) throw this.tooDeep();
      } else if ((c === 0x7d || c === 0x5d) && --this.depth === 0) return i + 1;
    }
    return -1;
  }

  /** Levels around the value being read: the document, and the array for an element. */
  private baseDepth(): number {
    return this.state === "element-text" ? 2 : 1;
  }

  private expect(ok: boolean, reason: string, next: State): void {
    if (!ok) throw malformed(reason);
    this.state = next;
  }
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw malformed((err as Error).message);
  }
}

function malformed(reason: string): AppError {
  return new AppError("invalid_request", `The request body is not valid JSON: ${reason}.`, { fields: [{ name: "body", reason: "malformed JSON" }] });
}
