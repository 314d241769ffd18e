// Shape: langchain's createAgent: `agent` at module level (its model swapped in per call from the environment), `makeAgent` a factory,
// `reviewedAgent` with LangChain's own human-in-the-loop middleware (its pauses in camelCase).
import { createAgent, createMiddleware, humanInTheLoopMiddleware } from "langchain";
import { envModel } from "./env-model.js";
import { weatherTool } from "./weather-tool.js";

// createAgent wants a model up front; a model name is only resolved when called, and this
// middleware replaces it at every call, so the module reads no environment when imported.
const modelFromEnv = createMiddleware({
  name: "ModelFromEnv",
  wrapModelCall: (request, handler) => handler({ ...request, model: envModel() }),
});

export const agent = createAgent({ model: "openai:unused", tools: [weatherTool], middleware: [modelFromEnv] });

export const makeAgent = () => createAgent({ model: envModel(), tools: [weatherTool] });

export const reviewedAgent = createAgent({
  model: "openai:unused",
  tools: [weatherTool],
  middleware: [modelFromEnv, humanInTheLoopMiddleware({ interruptOn: { get_weather: { allowedDecisions: ["approve", "edit"] } } })],
});
