import { randomUUID } from "node:crypto";
import { type BaseMessage, isAIMessage, type ToolCall, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { interrupt } from "@langchain/langgraph";
import { type ToolApprovalDecision, type ToolApprovalRequest, toolApprovalDecision } from "./tool-approval.js";

/** Runs tool calls (some of them possibly edited) and returns one result per call. */
export type RunToolCalls<S> = (calls: ToolCall[], state: S, config: RunnableConfig) => Promise<ToolMessage[]>;

/**
 * Wraps a tools node so that each call of a gated tool waits for a human's decision: the graph
 * pauses with `interrupt()` (one pause per gated call, in call order) and a `Command({ resume })`
 * answers it. Every decision is taken before any tool runs, because a resumed node runs again from
 * its start: a tool that had already run would run twice.
 *
 * Approved calls run as the model asked; edited ones run with the human's arguments, and their
 * result says so first, so the model (and the transcript) knows what ran while the model's own
 * message stays what it said; rejected ones do not run and the model is told the user refused.
 * Each gated call's result carries the decision in `additional_kwargs.metadata.approval`, which the
 * conversation mirror keeps.
 */
export function approvalGate<S extends { messages: BaseMessage[] }>(
  gated: ReadonlySet<string> | ((config: RunnableConfig) => ReadonlySet<string>),
  runTools: RunToolCalls<S>,
) {
  return async (state: S, config: RunnableConfig): Promise<{ messages: ToolMessage[] }> => {
    const gatedNow = typeof gated === "function" ? gated(config) : gated;
    const last = state.messages.at(-1);
    const calls = last && isAIMessage(last) ? (last.tool_calls ?? []) : [];
    const decisions = new Map<string, ToolApprovalDecision>();
    for (const call of calls) if (gatedNow.has(call.name)) decisions.set(callId(call), askApproval(call));

    const toRun = calls.flatMap((call): ToolCall[] => {
      const decision = decisions.get(callId(call));
      if (decision?.decision === "reject") return [];
      return [decision?.decision === "edit" ? { ...call, args: decision.args! } : call];
    });
    const results = new Map((toRun.length ? await runTools(toRun, state, config) : []).map((m) => [m.tool_call_id, m]));

    const messages = calls.flatMap((call) => {
      const id = callId(call);
      const decision = decisions.get(id);
      if (decision?.decision === "reject") return [refusal(call)];
      const result = results.get(id);
      return result ? [decision ? recordDecision(result, decision) : result] : [];
    });
    return { messages };
  };
}

const callId = (call: ToolCall) => call.id ?? "";

function askApproval(call: ToolCall): ToolApprovalDecision {
  const request: ToolApprovalRequest = { type: "tool_approval", tool_call_id: callId(call), name: call.name, args: call.args };
  // The schema checks resumes from any client, not only ours (the LangGraph CLI, Studio).
  return interrupt<ToolApprovalRequest, ToolApprovalDecision>(request, { responseSchema: toolApprovalDecision });
}

function refusal(call: ToolCall): ToolMessage {
  return new ToolMessage({
    id: randomUUID(),
    tool_call_id: callId(call),
    name: call.name,
    status: "error",
    content: `The user rejected this call to ${call.name}, so it did not run.`,
    additional_kwargs: { metadata: { approval: { decision: "reject" } } },
  });
}

function recordDecision(result: ToolMessage, decision: ToolApprovalDecision): ToolMessage {
  const edited = decision.decision === "edit";
  const content = edited
    ? `The user edited the arguments before approving; it ran with ${JSON.stringify(decision.args)}. Result: ${typeof result.content === "string" ? result.content : JSON.stringify(result.content)}`
    : result.content;
  return new ToolMessage({
    id: result.id ?? randomUUID(),
    tool_call_id: result.tool_call_id,
    name: result.name,
    status: result.status,
    artifact: result.artifact,
    response_metadata: result.response_metadata,
    content,
    additional_kwargs: {
      ...result.additional_kwargs,
      metadata: { ...(result.additional_kwargs.metadata as object | undefined), approval: edited ? { decision: "edit", args: decision.args } : { decision: "approve" } },
    },
  });
}
