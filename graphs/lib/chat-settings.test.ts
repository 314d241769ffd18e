import { describe, expect, it } from "vitest";
import { chatSettings, InvalidConfigError } from "./chat-settings.js";

describe("chatSettings", () => {
  it("reads each setting from context, else configurable, and ignores keys it does not know", () => {
    expect(chatSettings({
      configurable: { system_prompt: "Be brief.", temperature: 0.2, thread_id: "t", colour: "red" },
      context: { temperature: 1.5, tools: ["calculator"] },
    })).toEqual({ system_prompt: "Be brief.", temperature: 1.5, tools: ["calculator"] });
    expect(chatSettings({})).toEqual({});
    expect(chatSettings({ configurable: { window_rounds: null }, context: null })).toEqual({});
  });

  it("refuses a value it cannot use, naming each one and where it came from", () => {
    const refusal = (config: Parameters<typeof chatSettings>[0]) => {
      try {
        chatSettings(config);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidConfigError);
        expect((err as Error).name).toBe("InvalidConfigError");
        return (err as Error).message;
      }
      throw new Error("no refusal");
    };
    expect(refusal({ configurable: { temperature: 5, window_rounds: 1.5 } })).toBe(
      "The chat graph cannot run with this config: configurable.temperature must be a number from 0 to 2 (got 5); configurable.window_rounds must be an integer from 1 to 1000 (got 1.5).",
    );
    expect(refusal({ context: { tools: "calculator" } })).toMatch(/context\.tools must be a list of tool names \(got "calculator"\)/);
    expect(refusal({ configurable: { system_prompt: "  " } })).toMatch(/configurable\.system_prompt must be a non-empty string/);
    // A long value is shown only in part.
    expect(refusal({ configurable: { model: "m".repeat(500) } })).toMatch(/must be at most 200 characters \(got "m{39}…\)\.$/);
  });
});
