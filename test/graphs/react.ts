// Shape: a compiled createReactAgent (@langchain/langgraph/prebuilt) whose model is built from the environment at each call.
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { envModel } from "./env-model.js";
import { weatherTool } from "./weather-tool.js";

// A model given as a function is not bound to the tools by createReactAgent: bind them here.
export const graph = createReactAgent({ llm: () => envModel().bindTools([weatherTool]), tools: [weatherTool] });
