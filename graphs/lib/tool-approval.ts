import type { StructuredToolInterface } from "@langchain/core/tools";
import { toJsonSchema } from "@langchain/core/utils/json_schema";

/**
 * The tool metadata key that marks a tool as needing a human's approval before each call runs:
 * `tool(fn, { ..., metadata: { [REQUIRES_APPROVAL]: true } })`.
 */
export const REQUIRES_APPROVAL = "requires_approval";

/** What a pause tells the human about a gated tool, beside the call's own name and arguments. */
export interface GatedTool {
  description?: string;
  /** The JSON schema of the tool's arguments, for a client's edit form. */
  argsSchema?: Record<string, unknown>;
}

/** The tools marked with `REQUIRES_APPROVAL`, by name, with what a pause says of each. */
export function gatedTools(tools: StructuredToolInterface[]): Map<string, GatedTool> {
  return new Map(
    tools.filter(needsApproval).map((t) => {
      const schema = toJsonSchema(t.schema) as Record<string, unknown> | undefined;
      const { $schema: _, ...argsSchema } = schema ?? {};
      return [t.name, { description: t.description, ...(schema && { argsSchema }) }];
    }),
  );
}

/** Whether the tool was marked with `REQUIRES_APPROVAL`. */
export function needsApproval(tool: StructuredToolInterface): boolean {
  return (tool as { metadata?: Record<string, unknown> }).metadata?.[REQUIRES_APPROVAL] === true;
}

/**
 * Whether a tool result answers a call that a human rejected, so the tool never ran: the approval
 * gate records the decision in the result's `additional_kwargs.metadata.approval`.
 */
export function wasRejected(result: { additional_kwargs?: Record<string, unknown> }): boolean {
  // `decision` is how results were marked before the standard format (`type`).
  const approval = (result.additional_kwargs?.metadata as { approval?: { type?: unknown; decision?: unknown } } | undefined)?.approval;
  return approval?.type === "reject" || approval?.decision === "reject";
}
