import { describe, expect, it } from "vitest";
import { snippetParts } from "./snippet-parts";

describe("snippetParts", () => {
  it("marks the words between « and »", () => {
    expect(snippetParts("The quick «brown» «fox» jumps")).toEqual(["The quick ", { mark: "brown" }, " ", { mark: "fox" }, " jumps"]);
    expect(snippetParts("«fox»")).toEqual([{ mark: "fox" }]);
    expect(snippetParts("no match here")).toEqual(["no match here"]);
  });

  it("keeps markup as text and an unpaired marker as it is", () => {
    expect(snippetParts("<img src=x onerror=alert(1)> «zebra»")).toEqual(["<img src=x onerror=alert(1)> ", { mark: "zebra" }]);
    expect(snippetParts("a « b")).toEqual(["a « b"]);
    expect(snippetParts("a » «b»")).toEqual(["a » ", { mark: "b" }]);
  });
});
