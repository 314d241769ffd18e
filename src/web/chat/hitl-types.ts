// LangChain's human-in-the-loop pause, as the chat graph (and humanInTheLoopMiddleware) sends it.
export interface ActionRequest {
  name: string;
  args: Record<string, unknown>;
  description?: string;
  tool_call_id?: string;
}

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
}

export interface ReviewConfig {
  action_name: string;
  allowed_decisions: ("approve" | "edit" | "reject")[];
  args_schema?: JsonSchema;
}

export interface HitlRequest {
  action_requests: ActionRequest[];
  review_configs?: ReviewConfig[];
}

export type Decision =
  | { type: "approve" }
  | { type: "edit"; edited_action: { name: string; args: Record<string, unknown> } }
  | { type: "reject"; message?: string };

export function isHitlRequest(value: unknown): value is HitlRequest {
  return typeof value === "object" && value !== null && Array.isArray((value as HitlRequest).action_requests);
}

/** The review config of the i-th call: by its tool's name, as the middleware pairs them. */
export function reviewConfigOf(request: HitlRequest, index: number): ReviewConfig {
  const action = request.action_requests[index];
  return (
    request.review_configs?.find((c) => c.action_name === action.name) ?? { action_name: action.name, allowed_decisions: ["approve", "edit", "reject"] }
  );
}
