// Shape: a createReactAgent whose one tool takes as long as it is asked to: a browser test sees it running.
import { tool } from "@langchain/core/tools";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { envModel } from "./env-model.js";

const slowLookup = tool(
  async ({ topic, ms }) => {
    await sleep(ms);
    return `Looked up ${topic}.`;
  },
  { name: "slow_lookup", description: "Looks a topic up, slowly.", schema: z.object({ topic: z.string(), ms: z.number().int().min(0).max(10_000) }) },
);

export const graph = createReactAgent({ llm: () => envModel().bindTools([slowLookup]), tools: [slowLookup] });
