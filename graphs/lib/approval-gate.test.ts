import { randomUUID } from "node:crypto";
import { AIMessage, type ToolCall, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, END, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { approvalGate } from "./approval-gate.js";
import { needsApproval, REQUIRES_APPROVAL } from "./tool-approval.js";

// Two tools that only write down what they were called with: `pay` needs approval, `look` does not.
function setup() {
  const ran: string[] = [];
  const pay = tool(async ({ amount }) => (ran.push(`pay ${amount}`), `paid ${amount}`), {
    name: "pay", description: "Pay", schema: z.object({ amount: z.number() }), metadata: { [REQUIRES_APPROVAL]: true },
  });
  const look = tool(async ({ what }) => (ran.push(`look ${what}`), `saw ${what}`), { name: "look", description: "Look", schema: z.object({ what: z.string() }) });
  const tools = [pay, look];
  const toolNode = new ToolNode(tools);
  const runTools = async (calls: ToolCall[], _state: unknown, config: object) =>
    ((await toolNode.invoke({ messages: [new AIMessage({ content: "", tool_calls: calls })] }, config)) as { messages: ToolMessage[] }).messages;
  const gated = new Set(tools.filter(needsApproval).map((t) => t.name));
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("tools", approvalGate(gated, runTools))
    .addEdge(START, "tools")
    .addEdge("tools", END)
    .compile({ checkpointer: new MemorySaver() });
  const config = { configurable: { thread_id: randomUUID() } };
  const ask = (...calls: ToolCall[]) => graph.invoke({ messages: [new AIMessage({ id: "ai", content: "", tool_calls: calls })] }, config);
  const resume = (decision: unknown) => graph.invoke(new Command({ resume: decision }), config);
  const pending = async () => (await graph.getState(config)).tasks.flatMap((t) => t.interrupts.map((i) => i.value));
  const results = async () => (await graph.getState(config)).values.messages.slice(1) as ToolMessage[];
  return { ran, gated, ask, resume, pending, results };
}

const call = (name: string, args: Record<string, unknown>, id = `${name}-1`): ToolCall => ({ id, name, args, type: "tool_call" });
const summary = (m: ToolMessage) => ({ id: m.tool_call_id, status: m.status, content: m.content, approval: (m.additional_kwargs.metadata as { approval?: unknown } | undefined)?.approval });

describe("approvalGate", () => {
  it("gates the tools marked as needing approval, and only those", async () => {
    const { gated, ask, ran, results, pending } = setup();
    expect([...gated]).toEqual(["pay"]);
    await ask(call("look", { what: "sky" }));
    expect(ran).toEqual(["look sky"]);
    expect(await pending()).toEqual([]);
    expect((await results()).map(summary)).toEqual([{ id: "look-1", status: "success", content: "saw sky", approval: undefined }]);
  });

  it("pauses before a gated call with the call's name and arguments, having run nothing", async () => {
    const { ask, ran, pending } = setup();
    const out = await ask(call("look", { what: "sky" }), call("pay", { amount: 5 }));
    expect((out as { __interrupt__?: unknown }).__interrupt__).toEqual([{
      id: expect.any(String),
      value: { type: "tool_approval", tool_call_id: "pay-1", name: "pay", args: { amount: 5 } },
      // Clients of the LangGraph API learn the shape of an answer from the interrupt itself.
      response_schema: expect.objectContaining({ required: ["decision"], properties: expect.objectContaining({ decision: { type: "string", enum: ["approve", "reject", "edit"] } }) }),
    }]);
    expect(await pending()).toEqual([{ type: "tool_approval", tool_call_id: "pay-1", name: "pay", args: { amount: 5 } }]);
    expect(ran).toEqual([]);
  });

  it("runs an approved call as asked", async () => {
    const { ask, resume, ran, results } = setup();
    await ask(call("pay", { amount: 5 }));
    await resume({ decision: "approve" });
    expect(ran).toEqual(["pay 5"]);
    expect((await results()).map(summary)).toEqual([{ id: "pay-1", status: "success", content: "paid 5", approval: { decision: "approve" } }]);
  });

  // The model's message keeps what it asked for; the result says what ran instead.
  it("runs an edited call with the new arguments and says so in its result", async () => {
    const { ask, resume, ran, results } = setup();
    await ask(call("pay", { amount: 5 }));
    await resume({ decision: "edit", args: { amount: 3 } });
    expect(ran).toEqual(["pay 3"]);
    expect((await results()).map(summary)).toEqual([{
      id: "pay-1", status: "success",
      content: 'The user edited the arguments before approving; it ran with {"amount":3}. Result: paid 3',
      approval: { decision: "edit", args: { amount: 3 } },
    }]);
  });

  it("answers a rejected call with a refusal, without running it", async () => {
    const { ask, resume, ran, results } = setup();
    await ask(call("pay", { amount: 5 }));
    await resume({ decision: "reject" });
    expect(ran).toEqual([]);
    expect((await results()).map(summary)).toEqual([
      { id: "pay-1", status: "error", content: "The user rejected this call to pay, so it did not run.", approval: { decision: "reject" } },
    ]);
  });

  // Nothing runs until every gated call is decided: a resumed node starts over, and would run a tool twice.
  it("asks about each gated call in turn, then runs the calls in the model's order", async () => {
    const { ask, resume, ran, results, pending } = setup();
    await ask(call("pay", { amount: 1 }, "a"), call("look", { what: "sky" }, "b"), call("pay", { amount: 2 }, "c"));
    expect((await pending()).map((v) => (v as { tool_call_id: string }).tool_call_id)).toEqual(["a"]);
    await resume({ decision: "reject" });
    expect((await pending()).map((v) => (v as { tool_call_id: string }).tool_call_id)).toEqual(["c"]);
    expect(ran).toEqual([]);
    await resume({ decision: "approve" });
    expect(ran.sort()).toEqual(["look sky", "pay 2"]);
    expect((await results()).map((m) => [m.tool_call_id, m.status])).toEqual([["a", "error"], ["b", "success"], ["c", "success"]]);
    expect(await pending()).toEqual([]);
  });

  it("refuses a resume that is not a decision, and runs nothing", async () => {
    const { ask, resume, ran } = setup();
    await ask(call("pay", { amount: 5 }));
    await expect(resume({ decision: "maybe" })).rejects.toThrow(/decision/);
    await expect(resume({ decision: "edit" })).rejects.toThrow(/args/);
    expect(ran).toEqual([]);
  });
});
