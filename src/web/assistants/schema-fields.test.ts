import { describe, expect, it } from "vitest";
import { fromDraft, humanize, schemaFields, toDraft } from "./schema-fields";
import { fieldOfParam, settingsSections, storedValue } from "./settings-sections";

// The shapes a graph's schemas take (README: *Schemas*): the chat graph's context, and one with none.
const CHAT = {
  type: "object",
  properties: {
    system_prompt: { type: "string", description: "The instructions." },
    temperature: { type: "number", minimum: 0, maximum: 2 },
    window_rounds: { type: "integer", minimum: 1, maximum: 1000 },
    tools: { type: "array", items: { type: "string" } },
    mode: { type: "string", enum: ["fast", "careful"], title: "Answer mode" },
    verbose: { type: ["boolean", "null"], default: false },
  },
};

describe("schemaFields", () => {
  it("draws a field per property: text, numbers with bounds, an enum, a checkbox, JSON for the rest", () => {
    const fields = schemaFields(CHAT);
    expect(fields.map((f) => [f.key, f.kind, f.label])).toEqual([
      ["system_prompt", "text", "System prompt"],
      ["temperature", "number", "Temperature"],
      ["window_rounds", "integer", "Window rounds"],
      ["tools", "json", "Tools"],
      ["mode", "enum", "Answer mode"],
      ["verbose", "boolean", "Verbose"],
    ]);
    expect(fields[1]).toMatchObject({ minimum: 0, maximum: 2 });
    expect(fields[4].options).toEqual(["fast", "careful"]);
    expect(fields[0].description).toBe("The instructions.");
  });

  it("has nothing to draw for a schema without properties", () => {
    expect(schemaFields({ type: "object" })).toEqual([]);
    expect(schemaFields(null)).toEqual([]);
    expect(settingsSections({ config_schema: { type: "object" }, context_schema: null })).toEqual([]);
  });

  it("reads drafts back as values, or says what is wrong", () => {
    const [prompt, temperature, rounds, tools] = schemaFields(CHAT);
    expect(fromDraft(temperature, "0.7")).toEqual({ value: 0.7 });
    expect(fromDraft(temperature, "5")).toEqual({ error: "must be at most 2" });
    expect(fromDraft(temperature, "-1")).toEqual({ error: "must be at least 0" });
    expect(fromDraft(rounds, "2.5")).toEqual({ error: "must be a whole number" });
    expect(fromDraft(temperature, "")).toEqual({ value: undefined });
    expect(fromDraft(tools, '["calculator"]')).toEqual({ value: ["calculator"] });
    expect(fromDraft(tools, "[calc")).toEqual({ error: "is not valid JSON" });
    expect(fromDraft(prompt, "Be brief.")).toEqual({ value: "Be brief." });
    expect([toDraft(temperature, 0.3), toDraft(tools, ["a"]), toDraft(prompt, undefined)]).toEqual(["0.3", '[\n  "a"\n]', undefined]);
  });

  it("humanizes keys", () => {
    expect([humanize("system_prompt"), humanize("modelName"), humanize("x")]).toEqual(["System prompt", "Model name", "X"]);
  });
});

describe("settingsSections", () => {
  it("makes one section written to both places when the config and context schemas are the same", () => {
    const [both] = settingsSections({ config_schema: CHAT, context_schema: CHAT });
    expect(both.target).toBe("both");
    expect(storedValue("both", "temperature", {}, { temperature: 0.3 })).toBe(0.3);
    expect(storedValue("both", "temperature", { temperature: 0.9 }, { temperature: 0.3 })).toBe(0.9);
    expect(fieldOfParam("context.temperature", [both])).toBe("both.temperature");
    expect(fieldOfParam("config.configurable.temperature", [both])).toBe("both.temperature");
    expect(fieldOfParam("name", [both])).toBe("name");
    expect(fieldOfParam("config", [both])).toBeNull();
  });

  it("keeps different schemas apart", () => {
    const other = { type: "object", properties: { user_id: { type: "string" } } };
    const sections = settingsSections({ config_schema: other, context_schema: CHAT });
    expect(sections.map((s) => [s.target, s.fields.length])).toEqual([["context", 6], ["configurable", 1]]);
    expect(fieldOfParam("config.configurable.user_id", sections)).toBe("configurable.user_id");
    expect(fieldOfParam("config.configurable.temperature", sections)).toBeNull();
  });
});
