import { describe, expect, it } from "vitest";
import { fieldTexts } from "./field-texts.js";

const value = { text: "  hello  ", n: 5, on: true, none: null, nested: { a: { b: "deep" } }, tags: ["red", "", "blue"], notes: [{ body: "one" }, { body: "two" }, {}] };

describe("fieldTexts", () => {
  it.each([
    ["$", [{ field: "$", text: JSON.stringify(value) }]],
    ["text", [{ field: "text", text: "hello" }]],
    ["n", [{ field: "n", text: "5" }]],
    ["on", [{ field: "on", text: "true" }]],
    ["nested.a.b", [{ field: "nested.a.b", text: "deep" }]],
    ["nested.a", [{ field: "nested.a", text: '{"b":"deep"}' }]],
    ["tags[0]", [{ field: "tags[0]", text: "red" }]],
    ["tags[-1]", [{ field: "tags[-1]", text: "blue" }]],
    ["tags[*]", [{ field: "tags[*].0", text: "red" }, { field: "tags[*].1", text: "blue" }]],
    ["notes[*].body", [{ field: "notes[*].body.0", text: "one" }, { field: "notes[*].body.1", text: "two" }]],
  ])("reads %s", (path, texts) => {
    expect(fieldTexts(value, path)).toEqual(texts);
  });

  it.each(["missing", "none", "text.inner", "tags[7]", "tags[x]", "n[*]", "nested.a.b.c", "tags.0"])("names nothing for %s", (path) => {
    expect(fieldTexts(value, path)).toEqual([]);
  });
});
