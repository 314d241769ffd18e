import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { describe, expect, it } from "vitest";
import { runCallbacksInLine } from "./callbacks-in-line.js";

class Handler extends BaseCallbackHandler {
  name = "probe";
}

describe("runCallbacksInLine", () => {
  it("makes LangChain await handlers when no tracing is configured", () => {
    const env: NodeJS.ProcessEnv = { OPENAI_API_KEY: "k" };
    expect(runCallbacksInLine(env)).toBe(true);
    expect(env.LANGCHAIN_CALLBACKS_BACKGROUND).toBe("false");
  });

  it("changes nothing when tracing is configured, by any of LangChain's variables", () => {
    for (const name of ["LANGSMITH_TRACING", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2", "LANGCHAIN_TRACING"]) {
      const env: NodeJS.ProcessEnv = { [name]: "true" };
      expect(runCallbacksInLine(env), name).toBe(false);
      expect(env.LANGCHAIN_CALLBACKS_BACKGROUND, name).toBeUndefined();
    }
    // Turned off is not configured.
    expect(runCallbacksInLine({ LANGSMITH_TRACING: "false" })).toBe(true);
  });

  it("leaves the variable as the user set it", () => {
    const env: NodeJS.ProcessEnv = { LANGCHAIN_CALLBACKS_BACKGROUND: "true" };
    expect(runCallbacksInLine(env)).toBe(false);
    expect(env.LANGCHAIN_CALLBACKS_BACKGROUND).toBe("true");
  });

  it("is what @langchain/core reads when it builds a handler", () => {
    const before = process.env.LANGCHAIN_CALLBACKS_BACKGROUND;
    try {
      delete process.env.LANGCHAIN_CALLBACKS_BACKGROUND;
      expect(new Handler().awaitHandlers).toBe(false);
      process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";
      expect(new Handler().awaitHandlers).toBe(true);
    } finally {
      if (before === undefined) delete process.env.LANGCHAIN_CALLBACKS_BACKGROUND;
      else process.env.LANGCHAIN_CALLBACKS_BACKGROUND = before;
    }
  });
});
