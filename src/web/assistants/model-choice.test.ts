import { describe, expect, it } from "vitest";
import { applyModelChoice, modelChoiceError, modelFieldOfParam, showsModelChoice, storedModelChoice, withoutModelFields } from "./model-choice";
import { settingsSections } from "./settings-sections";

// The chat graph's shape: one schema for context and config, so one section written to both places.
const CHAT = {
  type: "object",
  properties: { system_prompt: { type: "string" }, model: { type: "string" }, temperature: { type: "number" } },
};
const both = settingsSections({ config_schema: CHAT, context_schema: CHAT });
const configOnly = settingsSections({ config_schema: CHAT });
const none = settingsSections({ config_schema: { type: "object", properties: { steps: { type: "integer" } } } });
const PROVIDER = "0b6f3a8e-5f0c-4c4e-9a55-2f1d7c7d8e01";

describe("the model section of the assistant editor", () => {
  it("takes the model out of the schema's sections and drops a section left empty", () => {
    expect(withoutModelFields(both)[0].fields.map((f) => f.key)).toEqual(["system_prompt", "temperature"]);
    const onlyModel = settingsSections({ config_schema: { type: "object", properties: { model: { type: "string" } } } });
    expect(withoutModelFields(onlyModel)).toEqual([]);
  });

  it("is shown for a graph with a model setting or an assistant already on a provider, not otherwise", () => {
    expect(showsModelChoice(both, {})).toBe(true);
    expect(showsModelChoice(none, {})).toBe(false);
    expect(showsModelChoice(none, { provider_id: PROVIDER })).toBe(true);
  });

  it("reads what is stored as a run does: context first, then configurable; nothing is the environment's default", () => {
    expect(storedModelChoice({}, {})).toEqual({ providerId: "", model: "" });
    expect(storedModelChoice({ model: "a" }, { model: "b", provider_id: PROVIDER })).toEqual({ providerId: PROVIDER, model: "a" });
  });

  it("writes provider_id and model to configurable, and to context where the schema reads them from there", () => {
    const context: Record<string, unknown> = { model: "stale", system_prompt: "kept" };
    const configurable: Record<string, unknown> = { model: "stale", other: 1 };
    applyModelChoice({ providerId: PROVIDER, model: " qwen2.5 " }, both, context, configurable);
    expect(configurable).toEqual({ model: "qwen2.5", other: 1, provider_id: PROVIDER });
    // provider_id is not a context setting of this schema: it stays out of context.
    expect(context).toEqual({ model: "qwen2.5", system_prompt: "kept" });
  });

  it("removes both keys for the environment's default, and leaves context alone for a config-only schema", () => {
    const context: Record<string, unknown> = { model: "theirs" };
    const configurable: Record<string, unknown> = { model: "m", provider_id: PROVIDER };
    applyModelChoice({ providerId: "", model: "" }, configOnly, context, configurable);
    expect(configurable).toEqual({});
    expect(context).toEqual({ model: "theirs" });
  });

  it("checks the model's length and maps the service's field names", () => {
    expect(modelChoiceError({ providerId: "", model: "x".repeat(201) })).toBe("must be at most 200 characters");
    expect(modelChoiceError({ providerId: "", model: "gpt-4o" })).toBeNull();
    expect(modelFieldOfParam("config.configurable.provider_id")).toBe("provider_id");
    expect(modelFieldOfParam("context.model")).toBe("model");
    expect(modelFieldOfParam("context.temperature")).toBeNull();
  });
});
