import type { StructuredToolInterface } from "@langchain/core/tools";
import { z } from "zod";

/**
 * The tool metadata key that marks a tool as needing a human's approval before each call runs:
 * `tool(fn, { ..., metadata: { [REQUIRES_APPROVAL]: true } })`.
 */
export const REQUIRES_APPROVAL = "requires_approval";

/** What the graph pauses with (`interrupt(value)`): one tool call waiting for a decision. */
export interface ToolApprovalRequest {
  type: "tool_approval";
  tool_call_id: string;
  name: string;
  args: Record<string, unknown>;
}

export const TOOL_APPROVAL_DECISIONS = ["approve", "reject", "edit"] as const;

/**
 * What resumes it (`new Command({ resume })`): run the call as the model asked, do not run it, or
 * run it with `args` instead (all of them: they replace the model's, they are not merged).
 */
export const toolApprovalDecision = z
  .strictObject({
    decision: z.enum(TOOL_APPROVAL_DECISIONS, { error: `must be one of ${TOOL_APPROVAL_DECISIONS.join(", ")}` }),
    args: z.record(z.string(), z.unknown(), { error: "must be an object of the tool's arguments" }).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.decision === "edit" && value.args === undefined) ctx.addIssue({ code: "custom", path: ["args"], message: "is required when decision is edit" });
    if (value.decision !== "edit" && value.args !== undefined) ctx.addIssue({ code: "custom", path: ["args"], message: "is only allowed when decision is edit" });
  });

export type ToolApprovalDecision = z.infer<typeof toolApprovalDecision>;

/** Whether the tool was marked with `REQUIRES_APPROVAL`. */
export function needsApproval(tool: StructuredToolInterface): boolean {
  return (tool as { metadata?: Record<string, unknown> }).metadata?.[REQUIRES_APPROVAL] === true;
}

/**
 * Whether a tool result answers a call that a human rejected, so the tool never ran: the approval
 * gate records the decision in the result's `additional_kwargs.metadata.approval`.
 */
export function wasRejected(result: { additional_kwargs?: Record<string, unknown> }): boolean {
  const metadata = result.additional_kwargs?.metadata as { approval?: { decision?: unknown } } | undefined;
  return metadata?.approval?.decision === "reject";
}
