import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { wireJson, wireJsonText } from "./wire-json.js";
import { WireValues, wireValuesText } from "./wire-values.js";

const human = new HumanMessage({ id: "h1", content: "what is 6 * 7?" });
const ai = new AIMessage({ id: "a1", content: "", tool_calls: [{ id: "call-1", name: "calculator", args: { expression: "6 * 7" } }] });
const tool = new ToolMessage({ id: "t1", content: "42", tool_call_id: "call-1", name: "calculator" });
const blocks = new AIMessage({ id: "a2", content: [{ type: "text", text: "It is \"42\"\u0000 \ud800 é" }], response_metadata: { model: "m" } });

/** The answer's bytes as sent: its pieces one after the other. */
const bytes = (wire: WireValues, answer: object) => Buffer.concat(wire.chunks(answer));

class Holder {
  constructor(readonly inner: unknown) {}
}

/** Values as graphs hold them, with what JSON.stringify treats specially at every depth. */
const values: Record<string, unknown> = {
  messages: [human, ai, tool, blocks],
  again: { first: [human, ai], last: tool },
  date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  toJsonWithMessage: { toJSON: (key: string) => ({ key, message: human, later: { toJSON: () => "not called" } }) },
  instance: new Holder([ai, { nested: tool }]),
  gaps: [undefined, () => 1, Symbol("s"), null, Number.NaN, -0, 1e21],
  skipped: undefined,
  fn: () => 1,
  boxed: [new Number(3), new String("s"), new Boolean(false)],
  ["__proto__"]: { polluted: true },
  12: "integer keys come first",
  empty: [],
  // Lists of messages stand as one placeholder; these are not such lists.
  holes: [human, undefined, ai, , tool],
  listWithToJson: Object.assign([human, ai], { toJSON: () => ["its own"] }),
  nestedLists: [[human, ai], [tool]],
};
Object.defineProperty(values, "__proto__", { value: { polluted: true }, enumerable: true });

describe("WireValues", () => {
  it("writes an answer of many values as wireJsonText writes each, each message built once", () => {
    const wire = new WireValues();
    const answer = [{ values: wire.of(values), at: 1 }, { values: wire.of({ messages: [human, ai] }), result: wire.of(tool) }];
    const expected = `[{"values":${wireJsonText(values)},"at":1},{"values":${wireJsonText({ messages: [human, ai] })},"result":${wireJsonText(tool)}}]`;
    expect(wire.stringify(answer)).toBe(expected);
    expect(bytes(wire, answer).equals(Buffer.from(expected))).toBe(true);
    expect(JSON.parse(expected)[0].values.messages[1]).toMatchObject({ type: "ai", id: "a1", tool_calls: [{ name: "calculator" }] });
  });

  it("writes the same answer as UTF-8 bytes, with messages outside the Latin-1 range and none at all", () => {
    const wide = new AIMessage({ id: "w1", content: "数 🧮 \u2028 \ud83e" });
    const wire = new WireValues();
    const answer = { values: wire.of({ messages: [wide, blocks, wide] }), plain: wire.of({ text: "ünïcode ✓" }) };
    expect(bytes(wire, answer).equals(Buffer.from(wire.stringify(answer), "utf8"))).toBe(true);
    expect(bytes(wire, answer).toString("utf8")).toBe(`{"values":${wireJsonText({ messages: [wide, blocks, wide] })},"plain":{"text":"ünïcode ✓"}}`);
    const none = new WireValues();
    expect(bytes(none, { a: none.of("é") }).toString("utf8")).toBe('{"a":"é"}');
  });

  it("writes a history's lists, each beginning as the longest before it, as wireJsonText writes each", () => {
    const wide = new AIMessage({ id: "w1", content: "数 🧮" });
    // Newest first: each list the first less its last messages; then lists of another branch, one of them
    // longer than the first (those after it begin as it does), one of a message alone.
    const lists = [[human, ai, tool, wide, blocks], [human, ai, tool, wide], [human, ai], [human, tool, blocks], [human, tool, blocks], [human, tool, blocks, ai, wide], [human], [blocks]];
    const wire = new WireValues();
    const answer = lists.map((messages, i) => ({ values: wire.of({ messages }), step: i, tasks: [{ result: wire.of({ messages: messages.slice(-1) }) }] }));
    const expected = `[${lists.map((messages, i) => `{"values":${wireJsonText({ messages })},"step":${i},"tasks":[{"result":${wireJsonText({ messages: messages.slice(-1) })}}]}`).join(",")}]`;
    expect(wire.stringify(answer)).toBe(expected);
    expect(bytes(wire, answer).toString("utf8")).toBe(expected);
  });

  it("sends a list that begins as the list before it did as views of what was written for that one", () => {
    const history = [[human, ai, tool, blocks], [human, ai, tool], [human, ai], [human, ai]];
    const wire = new WireValues();
    const chunks = wire.chunks(history.map((messages) => ({ values: wire.of({ messages }) })));
    const expected = `[${history.map((messages) => `{"values":${wireJsonText({ messages })}}`).join(",")}]`;
    expect(Buffer.concat(chunks).toString("utf8")).toBe(expected);
    // All pieces are of one buffer, in which each message was written once: the bytes they cover are
    // the answer's less each later list's messages (and commas) but for the brackets.
    expect(new Set(chunks.map((c) => c.buffer)).size).toBe(1);
    const covered = new Set(chunks.flatMap((c) => Array.from({ length: c.length }, (_, i) => c.byteOffset + i)));
    const shared = history.slice(1).reduce((n, messages) => n + Buffer.byteLength(wireJsonText(messages)) - 2, 0);
    expect(covered.size).toBe(Buffer.byteLength(expected) - shared);
  });

  it("gives what wireJson gives where JSON has no text: null", () => {
    const wire = new WireValues();
    expect(wire.stringify({ a: wire.of(undefined), b: wire.of(() => 1), c: wire.of("x") })).toBe('{"a":null,"b":null,"c":"x"}');
    expect(wire.stringify([wire.of(values)])).toBe(JSON.stringify([wireJson(values)]));
  });

  it("writes a graph's string that is a placeholder as that string (the slow way)", () => {
    const wire = new WireValues();
    const [placeholder] = wire.of([human]) as [string];
    const answer = { mine: wire.of([human, ai]), theirs: wire.of({ text: placeholder, [placeholder]: 1 }) };
    const expected = `{"mine":${wireJsonText([human, ai])},"theirs":${JSON.stringify({ text: placeholder, [placeholder]: 1 })}}`;
    expect(bytes(wire, answer).toString("utf8")).toBe(expected);
    expect(wire.stringify(answer)).toBe(expected);
  });

  it("fails a value inside itself as JSON.stringify does, and writes one seen twice side by side", () => {
    const circular: Record<string, unknown> = { messages: [human] };
    circular.again = { circular };
    expect(() => wireJsonText(circular)).toThrow(/circular/);
    expect(() => wireValuesText(circular)).toThrow(new TypeError("Converting circular structure to JSON"));
    const shared = { n: 1 };
    expect(wireValuesText({ a: shared, b: [shared, shared] })).toBe('{"a":{"n":1},"b":[{"n":1},{"n":1}]}');
  });

  it("builds again a message whose fields were reassigned since", () => {
    const edited = new HumanMessage({ id: "e1", content: "before" });
    const first = new WireValues();
    expect(first.stringify([first.of([edited])])).toContain('"content":"before"');
    expect(bytes(first, [first.of([edited])]).toString("utf8")).toContain('"content":"before"');
    edited.content = "after";
    const third = new WireValues();
    expect(bytes(third, [third.of([edited])]).toString("utf8")).toBe(`[${wireJsonText([edited])}]`);
    const second = new WireValues();
    expect(second.stringify([second.of([edited])])).toBe(`[${wireJsonText([edited])}]`);
    expect(second.stringify([second.of([edited])])).toContain('"content":"after"');
  });
});
