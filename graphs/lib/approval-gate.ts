import { randomUUID } from "node:crypto";
import { type BaseMessage, isAIMessage, type ToolCall, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { interrupt } from "@langchain/langgraph";
import { type Decision, type HitlRequest, readDecisions, readHitlPause, RESPONSE_JSON_SCHEMA } from "./hitl.js";
import type { GatedTool } from "./tool-approval.js";

/** Runs tool calls (some of them possibly edited) and returns one result per call. */
export type RunToolCalls<S> = (calls: ToolCall[], state: S, config: RunnableConfig) => Promise<ToolMessage[]>;

/** The tools whose calls wait for a human, by name. */
export type GatedTools = ReadonlyMap<string, GatedTool>;

/**
 * Wraps a tools node so that the calls of gated tools wait for a human's decision: the graph pauses
 * with `interrupt()` once per model step, listing every gated call of the step in the standard
 * human-in-the-loop format (see hitl.ts), and a `Command({ resume })` with one decision per call
 * answers it. Every decision is taken before any tool runs, because a resumed node runs again from
 * its start: a tool that had already run would run twice. A resume that does not answer the pause
 * is asked again (see askApproval).
 *
 * Approved calls run as the model asked; edited ones run with the human's arguments, and their
 * result says so first, so the model (and the transcript) knows what ran while the model's own
 * message stays what it said; rejected ones do not run and the model is told the user refused.
 * A rejection's message reaches the model in the result. Each gated call's result carries its
 * decision in `additional_kwargs.metadata.approval`, which the conversation mirror keeps.
 */
export function approvalGate<S extends { messages: BaseMessage[] }>(
  gated: GatedTools | ((config: RunnableConfig) => GatedTools),
  runTools: RunToolCalls<S>,
) {
  return async (state: S, config: RunnableConfig): Promise<{ messages: ToolMessage[] }> => {
    const gatedNow = typeof gated === "function" ? gated(config) : gated;
    const last = state.messages.at(-1);
    const calls = last && isAIMessage(last) ? (last.tool_calls ?? []) : [];
    const asked = calls.filter((call) => gatedNow.has(call.name));
    const decisions = new Map<string, Decision>();
    if (asked.length > 0) {
      const answers = askApproval(asked, gatedNow);
      asked.forEach((call, i) => decisions.set(callId(call), answers[i]!));
    }

    const toRun = calls.flatMap((call): ToolCall[] => {
      const decision = decisions.get(callId(call));
      if (decision?.type === "reject") return [];
      return [decision?.type === "edit" ? { ...call, args: decision.edited_action.args } : call];
    });
    const results = new Map((toRun.length ? await runTools(toRun, state, config) : []).map((m) => [m.tool_call_id, m]));

    const messages = calls.flatMap((call) => {
      const id = callId(call);
      const decision = decisions.get(id);
      if (decision?.type === "reject") return [refusal(call, decision)];
      const result = results.get(id);
      return result ? [decision ? recordDecision(result, decision, call) : result] : [];
    });
    return { messages };
  };
}

const callId = (call: ToolCall) => call.id ?? "";

/** Pauses once for the step's gated calls; returns one decision per call, in their order. */
function askApproval(calls: ToolCall[], gated: GatedTools): Decision[] {
  const request: HitlRequest = {
    action_requests: calls.map((call) => ({ name: call.name, args: call.args, description: describe(call, gated.get(call.name)!), tool_call_id: callId(call) })),
    review_configs: calls.map((call) => {
      const schema = gated.get(call.name)!.argsSchema;
      return { action_name: call.name, allowed_decisions: ["approve", "edit", "reject"], ...(schema && { args_schema: schema }) };
    }),
  };
  const pause = readHitlPause(request)!;
  // A wrong answer (the server refuses one before the run when it can) asks again, saying what was
  // wrong: LangGraph keeps each answer the node was given, so failing here would give the next run
  // the same wrong one, and the thread could not be answered any more.
  for (let asking = request; ; ) {
    // The response schema tells any client (agent-chat-ui, Studio, the SDK) the shape of an answer.
    const read = readDecisions(interrupt<HitlRequest, unknown>(asking, { responseSchema: RESPONSE_JSON_SCHEMA }), pause);
    if (read.ok) return read.decisions;
    asking = { ...request, invalid_resume: read.issues.map((i) => (i.path ? `${i.path}: ${i.reason}` : i.reason)).join("; ") };
  }
}

/**
 * The edited arguments with their keys in the order the model gave its own: the result reads the
 * same whichever way the edit came (a resume stored as jsonb comes back with its keys reordered).
 */
function inCallOrder(edited: Record<string, unknown>, asked: Record<string, unknown>): Record<string, unknown> {
  const keys = [...Object.keys(asked).filter((k) => k in edited), ...Object.keys(edited).filter((k) => !(k in asked))];
  return Object.fromEntries(keys.map((k) => [k, edited[k]]));
}

function describe(call: ToolCall, tool: GatedTool): string {
  const what = tool.description ? `${tool.description}\n\n` : "";
  return `${call.name} waits for your approval before it runs.\n\n${what}Arguments: ${JSON.stringify(call.args, null, 2)}`;
}

function refusal(call: ToolCall, decision: Extract<Decision, { type: "reject" }>): ToolMessage {
  const reason = decision.message?.trim() ? ` Their reason: ${decision.message.trim()}` : "";
  return new ToolMessage({
    id: randomUUID(),
    tool_call_id: callId(call),
    name: call.name,
    status: "error",
    content: `The user rejected this call to ${call.name}, so it did not run.${reason}`,
    additional_kwargs: { metadata: { approval: decision } },
  });
}

function recordDecision(result: ToolMessage, decision: Decision, call: ToolCall): ToolMessage {
  const edited = decision.type === "edit" ? inCallOrder(decision.edited_action.args, call.args) : null;
  const content = edited
    ? `The user edited the arguments before approving; it ran with ${JSON.stringify(edited)}. Result: ${typeof result.content === "string" ? result.content : JSON.stringify(result.content)}`
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
      metadata: { ...(result.additional_kwargs.metadata as object | undefined), approval: decision },
    },
  });
}
