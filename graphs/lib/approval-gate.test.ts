import { randomUUID } from "node:crypto";
import { AIMessage, type ToolCall, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, END, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { approvalGate } from "./approval-gate.js";
import type { HitlRequest } from "./hitl.js";
import { gatedTools, REQUIRES_APPROVAL } from "./tool-approval.js";

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
  const gated = gatedTools(tools);
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("tools", approvalGate(gated, runTools))
    .addEdge(START, "tools")
    .addEdge("tools", END)
    .compile({ checkpointer: new MemorySaver() });
  const config = { configurable: { thread_id: randomUUID() } };
  const ask = (...calls: ToolCall[]) => graph.invoke({ messages: [new AIMessage({ id: "ai", content: "", tool_calls: calls })] }, config);
  const resume = (decision: unknown) => graph.invoke(new Command({ resume: decision }), config);
  const pending = async () => (await graph.getState(config)).tasks.flatMap((t) => t.interrupts.map((i) => i.value as HitlRequest));
  const results = async () => (await graph.getState(config)).values.messages.slice(1) as ToolMessage[];
  return { ran, gated, ask, resume, pending, results };
}

const call = (name: string, args: Record<string, unknown>, id = `${name}-1`): ToolCall => ({ id, name, args, type: "tool_call" });
const summary = (m: ToolMessage) => ({ id: m.tool_call_id, status: m.status, content: m.content, approval: (m.additional_kwargs.metadata as { approval?: unknown } | undefined)?.approval });

describe("approvalGate", () => {
  it("gates the tools marked as needing approval, and only those", async () => {
    const { gated, ask, ran, results, pending } = setup();
    expect([...gated.keys()]).toEqual(["pay"]);
    await ask(call("look", { what: "sky" }));
    expect(ran).toEqual(["look sky"]);
    expect(await pending()).toEqual([]);
    expect((await results()).map(summary)).toEqual([{ id: "look-1", status: "success", content: "saw sky", approval: undefined }]);
  });

  it("pauses in the standard format with the call, its description and its arguments' schema, having run nothing", async () => {
    const { ask, ran, pending } = setup();
    const out = await ask(call("look", { what: "sky" }), call("pay", { amount: 5 }));
    const request = {
      action_requests: [{ name: "pay", args: { amount: 5 }, tool_call_id: "pay-1", description: expect.stringMatching(/^pay waits for your approval before it runs\.\n\nPay\n\nArguments: \{\n {2}"amount": 5\n\}$/) }],
      review_configs: [{
        action_name: "pay", allowed_decisions: ["approve", "edit", "reject"],
        args_schema: expect.objectContaining({ type: "object", properties: { amount: { type: "number" } }, required: ["amount"] }),
      }],
    };
    expect((out as { __interrupt__?: unknown }).__interrupt__).toEqual([{
      id: expect.any(String),
      value: request,
      // Clients of the LangGraph API learn the shape of an answer from the interrupt itself.
      response_schema: expect.objectContaining({ required: ["decisions"], properties: { decisions: expect.objectContaining({ type: "array" }) } }),
    }]);
    expect(await pending()).toEqual([request]);
    expect(ran).toEqual([]);
  });

  it("runs an approved call as asked", async () => {
    const { ask, resume, ran, results } = setup();
    await ask(call("pay", { amount: 5 }));
    await resume({ decisions: [{ type: "approve" }] });
    expect(ran).toEqual(["pay 5"]);
    expect((await results()).map(summary)).toEqual([{ id: "pay-1", status: "success", content: "paid 5", approval: { type: "approve" } }]);
  });

  // The model's message keeps what it asked for; the result says what ran instead. LangChain's JS
  // middleware spells the edit editedAction: both casings are read.
  it.each([
    ["edited_action", { decisions: [{ type: "edit", edited_action: { name: "pay", args: { amount: 3 } } }] }],
    ["editedAction", { decisions: [{ type: "edit", editedAction: { name: "pay", args: { amount: 3 } } }] }],
    ["our alias", { decision: "edit", args: { amount: 3 } }],
  ])("runs an edited call (%s) with the new arguments and says so in its result", async (_label, answer) => {
    const { ask, resume, ran, results } = setup();
    await ask(call("pay", { amount: 5 }));
    await resume(answer);
    expect(ran).toEqual(["pay 3"]);
    expect((await results()).map(summary)).toEqual([{
      id: "pay-1", status: "success",
      content: 'The user edited the arguments before approving; it ran with {"amount":3}. Result: paid 3',
      approval: { type: "edit", edited_action: { name: "pay", args: { amount: 3 } } },
    }]);
  });

  it("answers a rejected call with a refusal carrying the user's reason, without running it", async () => {
    const { ask, resume, ran, results } = setup();
    await ask(call("pay", { amount: 5 }));
    await resume({ decisions: [{ type: "reject", message: "too much" }] });
    expect(ran).toEqual([]);
    expect((await results()).map(summary)).toEqual([{
      id: "pay-1", status: "error", content: "The user rejected this call to pay, so it did not run. Their reason: too much", approval: { type: "reject", message: "too much" },
    }]);
  });

  // Nothing runs until every gated call is decided: a resumed node starts over, and would run a tool twice.
  it("asks about every gated call of a step in one pause, then runs the calls in the model's order", async () => {
    const { ask, resume, ran, results, pending } = setup();
    await ask(call("pay", { amount: 1 }, "a"), call("look", { what: "sky" }, "b"), call("pay", { amount: 2 }, "c"));
    expect((await pending()).map((v) => v.action_requests.map((r) => r.tool_call_id))).toEqual([["a", "c"]]);
    expect(ran).toEqual([]);
    await resume({ decisions: [{ type: "reject" }, { type: "approve" }] });
    expect(ran.sort()).toEqual(["look sky", "pay 2"]);
    expect((await results()).map((m) => [m.tool_call_id, m.status])).toEqual([["a", "error"], ["b", "success"], ["c", "success"]]);
    expect(await pending()).toEqual([]);
  });

  // LangGraph keeps the answer a node was given: a failed node would be given the wrong one again.
  it("asks again when a resume does not answer the pause, saying why, and runs nothing until one does", async () => {
    const { ask, resume, ran, pending, results } = setup();
    await ask(call("pay", { amount: 1 }, "a"), call("pay", { amount: 2 }, "c"));
    const [asked] = await pending();
    await resume({ decisions: [{ type: "approve" }] });
    expect(await pending()).toEqual([{ ...asked, invalid_resume: "decisions: must hold 2 decisions, one per action request in order (it holds 1)" }]);
    await resume({ decision: "edit", args: { amount: 3 } });
    expect(await pending()).toEqual([{ ...asked, invalid_resume: "decision: edit applies to one call, and this pause lists 2: send decisions, one per call" }]);
    expect(ran).toEqual([]);
    await resume({ decisions: [{ type: "approve" }, { type: "reject" }] });
    expect(ran).toEqual(["pay 1"]);
    expect((await results()).map((m) => [m.tool_call_id, m.status])).toEqual([["a", "success"], ["c", "error"]]);
  });
});
