import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatOpenAI } from "@langchain/openai";
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { startDemoModel, type DemoModel } from "./demo-model.js";

const calculator = tool(async ({ expression }) => expression, {
  name: "calculator", description: "Evaluate arithmetic", schema: z.object({ expression: z.string() }),
});
const currentTime = tool(async () => "now", { name: "current_time", description: "Current time", schema: z.object({}) });
const NOTE = "(I am the offline demo model: set OPENAI_API_KEY or OPENAI_BASE_URL to use a real one.)";

let demo: DemoModel;
let model: ChatOpenAI;

beforeAll(async () => {
  demo = await startDemoModel({ tokenDelayMs: 1 });
  model = new ChatOpenAI({ model: demo.model, apiKey: "x", configuration: { baseURL: demo.baseURL }, streamUsage: true, maxRetries: 0 });
});
afterAll(() => demo.close());

async function collect(stream: AsyncIterable<AIMessageChunk>) {
  const chunks: AIMessageChunk[] = [];
  for await (const c of stream) chunks.push(c);
  return { chunks, final: chunks.reduce((a, b) => a.concat(b)) };
}

describe("demo model", () => {
  it("serves /v1/models with its name and a baseURL ending in /v1", async () => {
    expect(demo.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const list = await (await fetch(`${demo.baseURL}/models`)).json();
    expect(list.data.map((m: { id: string }) => m.id)).toEqual(["threadloom-demo"]);
  });

  it("streams word tokens that concatenate to the reply, with usage", async () => {
    const { chunks, final } = await collect(await model.stream([new HumanMessage("hello there")]));
    const expected = `You said "hello there". This is turn 1 of our conversation. ${NOTE}`;
    expect(final.content).toBe(expected);
    const textChunks = chunks.map((c) => c.content).filter((c) => c !== "");
    expect(textChunks.slice(0, 3)).toEqual(["You ", "said ", '"hello ']);
    expect(textChunks.length).toBe(expected.split(" ").length);
    expect(final.usage_metadata).toEqual(expect.objectContaining({ input_tokens: 2, output_tokens: textChunks.length, total_tokens: 2 + textChunks.length }));
  });

  it("remembers the thread: counts turns and quotes the first message (non-streaming)", async () => {
    const reply = await model.invoke([
      new HumanMessage("hi"), new AIMessage("hello"),
      new HumanMessage({ content: [{ type: "text", text: "hello again" }] }),
    ]);
    expect(reply.content).toBe(`You said "hello again". This is turn 2 of our conversation; earlier you said "hi". ${NOTE}`);
    expect(reply.usage_metadata?.input_tokens).toBe(4);
  });

  it("calls the calculator for arithmetic, streamed and parsed", async () => {
    const { final } = await collect(await model.bindTools([calculator, currentTime]).stream([new HumanMessage("what is 12*7?")]));
    expect(final.content).toBe("");
    expect(final.tool_calls).toHaveLength(1);
    expect(final.tool_calls?.[0]).toMatchObject({ name: "calculator", args: { expression: "12*7" } });
    expect(final.usage_metadata?.output_tokens).toBeGreaterThan(0);
  });

  it("calls current_time for time questions and only when the tool is offered", async () => {
    const withTool = await model.bindTools([calculator, currentTime]).invoke([new HumanMessage("What time is it?")]);
    expect(withTool.tool_calls?.[0]).toMatchObject({ name: "current_time", args: {} });
    const parenthesised = await model.bindTools([calculator]).invoke([new HumanMessage("(2+3)*4")]);
    expect(parenthesised.tool_calls?.[0].args).toEqual({ expression: "(2+3)*4" });
    const without = await model.invoke([new HumanMessage("what is 12*7?")]);
    expect(without.tool_calls).toEqual([]);
    expect(without.content).toContain('You said "what is 12*7?"');
  });

  it("turns a tool result into a sentence naming the tool", async () => {
    const history = [
      new HumanMessage("what is 12*7?"),
      new AIMessage({ content: "", tool_calls: [{ id: "call_1", name: "calculator", args: { expression: "12*7" } }] }),
      new ToolMessage({ content: "84", tool_call_id: "call_1" }),
    ];
    const { final } = await collect(await model.bindTools([calculator]).stream(history));
    expect(final.content).toBe("The calculator says 12*7 = 84.");
    const time = await model.invoke([
      new HumanMessage("time?"),
      new AIMessage({ content: "", tool_calls: [{ id: "t1", name: "current_time", args: {} }] }),
      new ToolMessage({ content: "2025-01-01T10:00:00Z", tool_call_id: "t1" }),
    ]);
    expect(time.content).toBe("The current time is 2025-01-01T10:00:00Z.");
  });

  it("drafts a markdown document when the system prompt is about drafting", async () => {
    const reply = await model.invoke([new SystemMessage("You help the user draft a document."), new HumanMessage("a plan for the garden")]);
    const text = String(reply.content);
    expect(text.split("\n")[0]).toBe("# A Plan For The Garden");
    expect(text).toContain('This is a first draft for: "a plan for the garden".');
    expect(text.match(/^- /gm)).toHaveLength(3);
  });
});
