// Shape: Zod graphs, whose schemas LangGraph reads at run time: Zod 3 with withLangGraph's
// jsonSchemaExtra (LangGraph's registry), and plain Zod 4 with a Zod context.
import { END, START, StateGraph } from "@langchain/langgraph";
import { withLangGraph } from "@langchain/langgraph/zod";
import { z as z3 } from "zod/v3";
import { z } from "zod/v4";

const RegistryState = z3.object({
  messages: withLangGraph(z3.array(z3.string()), {
    reducer: { schema: z3.string(), fn: (all: string[], one: string) => [...all, one] },
    default: () => [],
    jsonSchemaExtra: { langgraph_type: "messages" },
  }),
  status: z3.enum(["idle", "done"]).default("idle"),
});

export const registryGraph = new StateGraph(RegistryState)
  .addNode("step", () => ({ messages: "stepped", status: "done" as const }))
  .addEdge(START, "step")
  .addEdge("step", END)
  .compile();

const PlainState = z.object({
  items: z.array(z.string()).default([]),
  label: z.string().optional(),
});

const PlainContext = z.looseObject({
  region: z.enum(["eu", "us"]).describe("Where the data stays"),
});

export const plainGraph = new StateGraph(PlainState, PlainContext)
  .addNode("step", (s) => ({ items: [...s.items, "one"] }))
  .addEdge(START, "step")
  .addEdge("step", END)
  .compile();
