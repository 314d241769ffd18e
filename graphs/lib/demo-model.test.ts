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
const sendEmail = tool(async () => "sent", {
  name: "send_email", description: "Send an e-mail", schema: z.object({ to: z.string(), subject: z.string(), body: z.string() }),
});
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

  it("calls send_email when asked to e-mail an address, and only when the tool is offered", async () => {
    const tools = model.bindTools([calculator, currentTime, sendEmail]);
    const { final } = await collect(await tools.stream([new HumanMessage("email bob@example.com about lunch at 12:30.")]));
    expect(final.tool_calls).toEqual([expect.objectContaining({
      name: "send_email", args: { to: "bob@example.com", subject: "Lunch at 12:30", body: "Hi,\n\nI am writing about lunch at 12:30.\n\nBest regards" },
    })]);
    const plain = await tools.invoke([new HumanMessage("Please e-mail carol@example.org")]);
    expect(plain.tool_calls?.[0].args).toEqual({ to: "carol@example.org", subject: "Hello", body: "Hi,\n\nI wanted to get in touch.\n\nBest regards" });
    const without = await model.bindTools([calculator]).invoke([new HumanMessage("email bob@example.com about 2+2")]);
    expect(without.tool_calls?.[0]).toMatchObject({ name: "calculator", args: { expression: "2+2" } });
    const noAddress = await tools.invoke([new HumanMessage("what is e-mail?")]);
    expect(noAddress.tool_calls).toEqual([]);
  });

  it("says what became of the e-mail: sent, sent as edited, or rejected", async () => {
    const history = (result: string) => [
      new HumanMessage("email bob@example.com about lunch"),
      new AIMessage({ content: "", tool_calls: [{ id: "e1", name: "send_email", args: { to: "bob@example.com" } }] }),
      new ToolMessage({ content: result, tool_call_id: "e1" }),
    ];
    const reply = async (result: string) => (await model.bindTools([sendEmail]).invoke(history(result))).content;
    expect(await reply("E-mail #1 to bob@example.com was sent.")).toBe("Done: E-mail #1 to bob@example.com was sent.");
    expect(await reply('The user edited the arguments before approving; it ran with {"to":"c@d.e"}. Result: E-mail #2 to c@d.e was sent.'))
      .toBe("Done, with your changes: E-mail #2 to c@d.e was sent.");
    expect(await reply("The user rejected this call to send_email, so it did not run.")).toBe("All right, I did not send the e-mail.");
  });

  // Stored assistants differ by their system prompt: asked who it is, the demo model quotes the one it got.
  it("quotes the first words of its system prompt when asked who or what it is", async () => {
    const pirate = await model.invoke([new SystemMessage("Speak like a pirate."), new HumanMessage("Who are you?")]);
    expect(pirate.content).toBe(`My system prompt says: "Speak like a pirate." ${NOTE}`);
    const words = Array.from({ length: 30 }, (_, i) => `w${i + 1}`);
    const long = await model.invoke([new SystemMessage(`${words.join(" ")}\n\nmore`), new HumanMessage("and what are you, then")]);
    expect(long.content).toBe(`My system prompt begins: "${words.slice(0, 20).join(" ")}..." ${NOTE}`);
    const none = await model.invoke([new HumanMessage("who are you")]);
    expect(none.content).toBe(`I was given no system prompt. ${NOTE}`);
    // Only a question about itself: other questions get the usual answer.
    const other = await model.invoke([new SystemMessage("Speak like a pirate."), new HumanMessage("who are they?")]);
    expect(other.content).toBe(`You said "who are they?". This is turn 1 of our conversation. ${NOTE}`);
  });

  it("drafts a markdown document when the system prompt is about drafting", async () => {
    const reply = await model.invoke([new SystemMessage("You help the user draft a document."), new HumanMessage("a plan for the garden")]);
    const text = String(reply.content);
    expect(text.split("\n")[0]).toBe("# A Plan For The Garden");
    expect(text).toContain('This is a first draft for: "a plan for the garden".');
    expect(text.match(/^- /gm)).toHaveLength(3);
  });
});
