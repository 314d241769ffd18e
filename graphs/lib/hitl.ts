import { z } from "zod";

/**
 * The human-in-the-loop format of LangChain's agents, which agent-chat-ui draws as Approve / Edit /
 * Reject: a pause lists the tool calls of one model step that wait for a decision, and the resume
 * gives one decision per call, in the same order.
 *
 *   interrupt value: { action_requests: [{ name, args, description? }],
 *                      review_configs:  [{ action_name, allowed_decisions, args_schema? }] }
 *   resume value:    { decisions: [{ type: "approve" } | { type: "edit", edited_action: { name, args } }
 *                                  | { type: "reject", message? }] }
 *
 * Python's `langchain` writes it in snake_case, as above; the JS `humanInTheLoopMiddleware` in
 * camelCase (`actionRequests`, `reviewConfigs`, `actionName`, `allowedDecisions`, `editedAction`).
 * Both are read here; our pauses are written in snake_case, the casing agent-chat-ui reads.
 */

export const DECISION_TYPES = ["approve", "edit", "reject"] as const;
export type DecisionType = (typeof DECISION_TYPES)[number];

export interface ActionRequest {
  name: string;
  args: Record<string, unknown>;
  description?: string;
  /** Ours, beside the standard fields: which of the model's calls this is. */
  tool_call_id?: string;
}

export interface ReviewConfig {
  action_name: string;
  allowed_decisions: DecisionType[];
  args_schema?: Record<string, unknown>;
}

export interface HitlRequest {
  action_requests: ActionRequest[];
  review_configs: ReviewConfig[];
  /** Ours: a pause asked again because its last answer did not fit says why here. */
  invalid_resume?: string;
}

export type Decision =
  | { type: "approve" }
  | { type: "edit"; edited_action: { name: string; args: Record<string, unknown> } }
  | { type: "reject"; message?: string };

export type Casing = "snake" | "camel";

/** A pause in this format as read from an interrupt's value, in either casing; null for any other value. */
export interface HitlPause {
  casing: Casing;
  actions: { name: string; allowed: readonly DecisionType[] }[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads an interrupt's value as a pause of this format (as agent-chat-ui recognises one), or null. */
export function readHitlPause(value: unknown): HitlPause | null {
  if (!isObject(value)) return null;
  const casing: Casing | null = Array.isArray(value.action_requests) ? "snake" : Array.isArray(value.actionRequests) ? "camel" : null;
  if (!casing) return null;
  const requests = (casing === "snake" ? value.action_requests : value.actionRequests) as unknown[];
  const configs = (casing === "snake" ? value.review_configs : value.reviewConfigs) as unknown;
  if (requests.length === 0 || !Array.isArray(configs) || configs.length === 0) return null;
  const nameKey = casing === "snake" ? "action_name" : "actionName";
  const allowedKey = casing === "snake" ? "allowed_decisions" : "allowedDecisions";
  const actions: HitlPause["actions"] = [];
  for (const request of requests) {
    if (!isObject(request) || typeof request.name !== "string" || !isObject(request.args)) return null;
    const config = configs.find((c) => isObject(c) && c[nameKey] === request.name);
    const allowed = isObject(config) && Array.isArray(config[allowedKey]) ? (config[allowedKey] as unknown[]) : [];
    actions.push({ name: request.name, allowed: DECISION_TYPES.filter((d) => allowed.includes(d)) });
  }
  return { casing, actions };
}

const args = z.record(z.string(), z.unknown(), { error: "must be an object of the tool's arguments" });
const editedAction = z.strictObject({ name: z.string({ error: "must be the tool's name" }).optional(), args });
const message = z.string({ error: "must be a string" }).max(10_000);

const decision = z.union(
  [
    z.strictObject({ type: z.literal("approve") }),
    z.strictObject({ type: z.literal("edit"), edited_action: editedAction.optional(), editedAction: editedAction.optional() }),
    z.strictObject({ type: z.literal("reject"), message: message.optional() }),
  ],
  { error: `must be {"type": "approve"}, {"type": "edit", "edited_action": {"name", "args"}} or {"type": "reject", "message"?}` },
);

/** The standard answer, in either casing of `edited_action`. */
const decisionsBody = z.strictObject({ decisions: z.array(decision, { error: "must be a list of decisions, one per action request" }) });

/** Our own shorter answer, kept as an alias: one decision for the whole pause (`edit` only when it lists one call). */
const aliasBody = z
  .strictObject({
    decision: z.enum(DECISION_TYPES, { error: "must be one of approve, reject, edit" }),
    args: args.optional(),
    message: message.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.decision === "edit" && value.args === undefined) ctx.addIssue({ code: "custom", path: ["args"], message: "is required when decision is edit" });
    if (value.decision !== "edit" && value.args !== undefined) ctx.addIssue({ code: "custom", path: ["args"], message: "is only allowed when decision is edit" });
    if (value.decision !== "reject" && value.message !== undefined) ctx.addIssue({ code: "custom", path: ["message"], message: "is only allowed when decision is reject" });
  });

/** A problem with a resume value: `path` is inside the value (`decisions.0.type`), "" for the value itself. */
export interface ResumeIssue {
  path: string;
  reason: string;
}

export type ReadDecisions = { ok: true; decisions: Decision[] } | { ok: false; issues: ResumeIssue[] };

const zodIssues = (error: z.ZodError): ResumeIssue[] =>
  error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: [...issue.path, key].join("."), reason: "unknown field" }))
      : [{ path: issue.path.join("."), reason: issue.message }],
  );

/**
 * Reads a resume value as the decisions for `pause`, one per action request in its order: the
 * standard `{decisions}` (either casing) or our alias `{decision, args?, message?}`. Each decision
 * must be one the pause allows for its call, and an edit keeps the call's tool (it changes the
 * arguments, not which tool runs).
 */
export function readDecisions(resume: unknown, pause: HitlPause): ReadDecisions {
  const { actions } = pause;
  const expected = `{"decisions": [${actions.map(() => '{"type": "approve"}').join(", ")}]}`;
  if (!isObject(resume)) return { ok: false, issues: [{ path: "", reason: `must be an object, such as ${expected}` }] };

  if ("decision" in resume && !("decisions" in resume)) {
    const alias = aliasBody.safeParse(resume);
    if (!alias.success) return { ok: false, issues: zodIssues(alias.error) };
    const { decision: type, args: edited, message: said } = alias.data;
    if (type === "edit" && actions.length !== 1) {
      return { ok: false, issues: [{ path: "decision", reason: `edit applies to one call, and this pause lists ${actions.length}: send decisions, one per call` }] };
    }
    const one: Decision = type === "edit" ? { type, edited_action: { name: actions[0]!.name, args: edited! } } : type === "reject" ? { type, ...(said !== undefined && { message: said }) } : { type };
    return checkAllowed(actions.map(() => one), actions, "decision");
  }

  const parsed = decisionsBody.safeParse(resume);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const given = parsed.data.decisions;
  if (given.length !== actions.length) {
    return { ok: false, issues: [{ path: "decisions", reason: `must hold ${actions.length} decision${actions.length === 1 ? "" : "s"}, one per action request in order (it holds ${given.length})` }] };
  }
  const issues: ResumeIssue[] = [];
  const decisions = given.map((d, i): Decision => {
    if (d.type !== "edit") return d;
    const key = d.edited_action ? "edited_action" : "editedAction";
    const action = d.edited_action ?? d.editedAction;
    const name = actions[i]!.name;
    if (!action || (d.edited_action && d.editedAction)) issues.push({ path: `decisions.${i}`, reason: "an edit needs exactly one of edited_action or editedAction" });
    else if (action.name !== undefined && action.name !== name) issues.push({ path: `decisions.${i}.${key}.name`, reason: `must be ${name}: an edit changes the arguments, not the tool` });
    return { type: "edit", edited_action: { name, args: action?.args ?? {} } };
  });
  if (issues.length > 0) return { ok: false, issues };
  return checkAllowed(decisions, actions, "decisions");
}

function checkAllowed(decisions: Decision[], actions: HitlPause["actions"], path: "decision" | "decisions"): ReadDecisions {
  const issues = decisions.flatMap((d, i) => {
    const { name, allowed } = actions[i]!;
    if (allowed.includes(d.type)) return [];
    return [{ path: path === "decisions" ? `decisions.${i}.type` : "decision", reason: `${d.type} is not allowed for ${name}: one of ${allowed.join(", ") || "(none)"}` }];
  });
  // The alias gives one decision for every call: its problem is said once.
  if (issues.length > 0) return { ok: false, issues: path === "decision" ? issues.slice(0, 1) : issues };
  return { ok: true, decisions };
}

/** The decisions as a resume value in `casing`: what a graph written in that casing reads. */
export function decisionsResume(decisions: Decision[], casing: Casing): { decisions: unknown[] } {
  if (casing === "snake") return { decisions };
  return { decisions: decisions.map((d) => (d.type === "edit" ? { type: "edit", editedAction: d.edited_action } : d)) };
}

/** The answer in its standard form, as a pause's `response_schema` describes it to clients. */
const standardBody = z.strictObject({
  decisions: z.array(
    z.union([
      z.strictObject({ type: z.literal("approve") }),
      z.strictObject({ type: z.literal("edit"), edited_action: z.strictObject({ name: z.string(), args: z.record(z.string(), z.unknown()) }) }),
      z.strictObject({ type: z.literal("reject"), message: z.string().optional() }),
    ]),
  ),
});

/** The JSON schema of the standard answer (a plain object: LangGraph shows it, and leaves checking to `readDecisions`). */
export const RESPONSE_JSON_SCHEMA = z.toJSONSchema(standardBody, { target: "draft-7" }) as Record<string, unknown>;

