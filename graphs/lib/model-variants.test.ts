import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { describe, expect, it } from "vitest";
import { createChatModel } from "./create-chat-model.js";
import { createCalculatorTool } from "../tools/calculator.js";
import { createCurrentTimeTool } from "../tools/current-time.js";
import { type ModelSettings, ModelVariants } from "./model-variants.js";

// No request is made: ChatOpenAI connects on first call, and these tests only build variants.
const base = createChatModel({ model: "base-model", baseURL: "http://127.0.0.1:9/v1", maxRetries: 0 });
const tools = [createCalculatorTool(), createCurrentTimeTool()];

function variants(maxCached?: number) {
  const built: ModelSettings[] = [];
  const modelWith = (s: ModelSettings): BaseChatModel => (built.push(s), createChatModel({ model: s.model ?? "base-model", temperature: s.temperature, maxRetries: 0 }));
  return { built, v: new ModelVariants({ model: base, tools, modelWith, maxCached }) };
}

const toolNames = (node: { tools: { name: string }[] }) => node.tools.map((t) => t.name);

describe("ModelVariants", () => {
  it("gives a run without settings the default, built once up front", () => {
    const { v, built } = variants();
    expect(v.forRun(undefined)).toBe(v.defaultVariant);
    expect(v.forRun({ thread_id: "t", system_prompt: "x" })).toBe(v.defaultVariant);
    expect(toolNames(v.defaultVariant.toolNode)).toEqual(["calculator", "current_time"]);
    expect(built).toEqual([]);
  });

  // Only model and temperature need a new model instance; tools alone are a binding of the base.
  it("builds another model only for another model name or temperature", () => {
    const { v, built } = variants();
    v.forRun({ tools: ["calculator"] });
    v.forRun({ model: "other", temperature: 0.2 });
    expect(built).toEqual([{ model: "other", temperature: 0.2 }]);
  });

  it("reuses a variant for the same settings, whatever the order of the tool names", () => {
    const { v, built } = variants();
    const a = v.forRun({ model: "m", tools: ["current_time", "calculator"] });
    expect(v.forRun({ model: "m", tools: ["calculator", "current_time"] })).toBe(a);
    expect(built).toHaveLength(1);
  });

  it("runs only the enabled tools, in the graph's order", () => {
    const { v } = variants();
    expect(toolNames(v.forRun({ tools: ["current_time"] }).toolNode)).toEqual(["current_time"]);
    expect(toolNames(v.forRun({ tools: [] }).toolNode)).toEqual([]);
    expect(toolNames(v.forRun({ tools: ["nope", "calculator"] }).toolNode)).toEqual(["calculator"]);
  });

  it("keeps at most maxCached variants, dropping the least recently used", () => {
    const { v, built } = variants(2);
    v.forRun({ model: "a" });
    v.forRun({ model: "b" });
    v.forRun({ model: "a" });
    v.forRun({ model: "c" }); // drops b, the least recently used
    v.forRun({ model: "a" });
    v.forRun({ model: "b" });
    expect(built.map((s) => s.model)).toEqual(["a", "b", "c", "b"]);
  });

  it("refuses a model change when the graph was built without modelWith", () => {
    const v = new ModelVariants({ model: base, tools });
    expect(() => v.forRun({ temperature: 1 })).toThrow(/without modelWith/);
    expect(toolNames(v.forRun({ tools: ["calculator"] }).toolNode)).toEqual(["calculator"]);
  });
});
