import { tool } from "@langchain/core/tools";
import { z } from "zod";

/** The fixture agents' one tool: deterministic, so a test can check the tool message it leaves. */
export const weatherTool = tool(({ city }) => `It is sunny in ${city}.`, {
  name: "get_weather",
  description: "The current weather in a city.",
  schema: z.object({ city: z.string().describe("The city's name") }),
});
