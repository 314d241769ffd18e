import { describe, expect, it } from "vitest";
import { JsonObjectReader } from "./json-object-reader.js";

/** Reads `text` cut into pieces at the given positions; returns the elements and the other members. */
function read(text: string, cuts: number[] = [], maxDepth?: number) {
  const elements: unknown[] = [];
  const reader = new JsonObjectReader("messages", (e, i) => elements.push([i, e]), maxDepth);
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    reader.write(text.slice(at, cut));
    at = cut;
  }
  reader.end();
  return { elements, members: reader.members };
}

const DOC = `{ "thread" : {"graph_id":"chat","n":[1,{"a":"}]"}]},
  "messages":[ {"id":"m1","content":"a \\"quoted\\" } ] , brace"} ,{"id":"m2","content":"\\\\"},
   "a string", 12.5e3, true, null, [1, [2]] ], "after": -7 ,"empty":{} }  `;

describe("JsonObjectReader", () => {
  it("hands out the array's elements in order and keeps the other members, however the text is cut", () => {
    const whole = JSON.parse(DOC);
    const expected = {
      elements: whole.messages.map((m: unknown, i: number) => [i, m]),
      members: { thread: whole.thread, after: -7, empty: {} },
    };
    expect(read(DOC)).toEqual(expected);
    for (let cut = 1; cut < DOC.length; cut++) expect(read(DOC, [cut]), `cut at ${cut}`).toEqual(expected);
    expect(read(DOC, Array.from({ length: DOC.length - 1 }, (_, i) => i + 1))).toEqual(expected);
  });

  it("reads an empty object and an empty array", () => {
    expect(read("{}")).toEqual({ elements: [], members: {} });
    expect(read('{"messages": [ ]}')).toEqual({ elements: [], members: {} });
  });

  it("refuses text that is not one complete JSON object", () => {
    const cases = ["", "[]", '{"a":1', '{"a":1,}', '{"messages":[1,]}', '{"messages":{}}', '{"a" 1}', '{"a":1} x', '{"messages":[tru]}', '{"a":}'];
    for (const text of cases) expect(() => read(text), text).toThrow(/not valid JSON/);
  });

  it("refuses nesting deeper than its limit as soon as it is met", () => {
    const deep = (n: number) => `{"messages":[${"[".repeat(n)}${"]".repeat(n)}]}`;
    expect(read(deep(3), [], 5).elements).toHaveLength(1);
    expect(() => read(deep(4), [], 5)).toThrow(/nested deeper than 5 levels/);
    expect(() => read(`{"a":${"[".repeat(100_000)}`)).toThrow(/nested deeper than 64 levels/);
  });

  it("keeps a member named __proto__ as data", () => {
    const { members } = read('{"__proto__": {"polluted": true}}');
    expect(Object.getPrototypeOf(members)).toBe(Object.prototype);
    expect(Object.keys(members)).toEqual(["__proto__"]);
  });
});
