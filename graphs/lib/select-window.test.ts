import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { selectWindow } from "./select-window.js";

const convo = [
  new HumanMessage({ id: "h1", content: "one" }),
  new AIMessage({ id: "a1", content: "", tool_calls: [{ id: "c1", name: "calculator", args: {} }] }),
  new ToolMessage({ id: "t1", content: "2", tool_call_id: "c1" }),
  new AIMessage({ id: "a1b", content: "two" }),
  new HumanMessage({ id: "h2", content: "three" }),
  new AIMessage({ id: "a2", content: "four" }),
  new HumanMessage({ id: "h3", content: "five" }),
];

describe("selectWindow", () => {
  it("keeps the last N rounds, each starting at a user message", () => {
    expect(selectWindow(convo, 1).map((m) => m.id)).toEqual(["h3"]);
    expect(selectWindow(convo, 2).map((m) => m.id)).toEqual(["h2", "a2", "h3"]);
  });

  it("keeps everything when there are fewer rounds than the window", () => {
    expect(selectWindow(convo, 3).map((m) => m.id)).toEqual(convo.map((m) => m.id));
    expect(selectWindow(convo, 50)).toHaveLength(7);
  });
});
