import { z } from "zod";
import type { AssistantConfig, JsonObject } from "../assistants/assistant-config.js";
import type { AgentStreamMode } from "./agent-stream-encoder.js";
import { containsNul } from "../http/validate.js";
import { checkStateMessages } from "./check-messages.js";

export const STREAM_MODES = ["values", "updates", "messages", "messages-tuple", "custom", "events", "debug", "tasks", "checkpoints", "tools"] as const;

const noNul = <T extends z.ZodType>(schema: T) => schema.refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters");
const unsupported = (what: string) => z.undefined({ error: `${what} is not supported by this server` }).optional();
const nodes = z.union([z.literal("*"), z.array(z.string().min(1).max(200)).max(100)]);
const streamMode = z.enum(STREAM_MODES, `must be one of ${STREAM_MODES.join(", ")}`);
const checkpointId = z.string().regex(/^[0-9a-f-]{36}$/, "must be a checkpoint id");
const send = z.strictObject({ node: z.string().min(1), input: z.unknown() });

/** A Command as JSON: a resume value, a state update, where to go next. */
export const commandBody = noNul(
  z.strictObject({
    resume: z.unknown().optional(),
    update: z.union([z.record(z.string(), z.unknown()), z.array(z.tuple([z.string(), z.unknown()]))]).superRefine(checkStateMessages).nullish(),
    goto: z.union([z.string().min(1), send, z.array(z.union([z.string().min(1), send]))]).nullish(),
  }),
);

/**
 * The body of the Agent Server's run routes (`RunCreateStateful` / `RunCreateStateless`). Not
 * strict: clients send fields newer than this server; fields whose meaning we do not implement are
 * refused rather than ignored.
 */
export const runCreateBody = z.object({
  assistant_id: z.string().min(1).max(200),
  input: noNul(z.unknown()).superRefine(checkStateMessages).optional(),
  command: commandBody.nullish(),
  metadata: noNul(z.record(z.string(), z.unknown())).nullish(),
  config: noNul(
    z.object({
      tags: z.array(z.string().max(200)).max(100).optional(),
      recursion_limit: z.number().int().min(1).max(10_000).optional(),
      configurable: z.record(z.string(), z.unknown()).optional(),
    }),
  ).nullish(),
  context: noNul(z.record(z.string(), z.unknown())).nullish(),
  checkpoint: z
    .object({
      checkpoint_id: checkpointId.optional(),
      checkpoint_ns: z.literal("", "only the root namespace (\"\") is supported").optional(),
      thread_id: z.string().optional(),
      checkpoint_map: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  checkpoint_id: checkpointId.nullish(),
  interrupt_before: nodes.nullish(),
  interrupt_after: nodes.nullish(),
  stream_mode: z.union([streamMode, z.array(streamMode).max(STREAM_MODES.length)]).nullish(),
  stream_subgraphs: z.boolean().nullish(),
  stream_resumable: z.boolean().nullish(),
  on_disconnect: z.enum(["cancel", "continue"]).nullish(),
  multitask_strategy: z.enum(["reject", "enqueue", "interrupt", "rollback"]).nullish(),
  if_not_exists: z.enum(["create", "reject"]).nullish(),
  on_completion: z.enum(["delete", "keep"]).nullish(),
  durability: z.enum(["sync", "async", "exit"]).nullish(),
  checkpoint_during: z.boolean().nullish(),
  // The run waits in the queue this long before it may start (a year at most).
  after_seconds: z.number().min(0).max(365 * 24 * 3600).nullish(),
  // An http(s) URL, or a path of the manifest's http.app; checked (its host resolved) by the route.
  webhook: noNul(z.string().min(1).max(2048)).nullish(),
  feedback_keys: unsupported("feedback_keys (LangSmith)"),
  langsmith_tracer: unsupported("langsmith_tracer"),
});

export type RunCreateBody = z.infer<typeof runCreateBody>;

/** What a run executes with, stored with it (`runs.kwargs`) so any process can run it from the queue. */
export interface RunKwargs {
  input: unknown;
  command: RunCreateBody["command"] | null;
  stream_mode: AgentStreamMode[];
  stream_subgraphs: boolean;
  stream_resumable: boolean;
  config: { tags?: string[]; recursion_limit?: number; configurable: Record<string, unknown> };
  context: Record<string, unknown> | null;
  checkpoint_id: string | null;
  interrupt_before: string[] | "*" | null;
  interrupt_after: string[] | "*" | null;
  durability: "sync" | "async" | "exit" | null;
  on_disconnect: "cancel" | "continue";
  /** Where the run is POSTed when it ends (migration 0015's trigger records the delivery); absent without one. */
  webhook?: string;
}

/**
 * The request with defaults applied, over the assistant's own, as the Agent Server merges them: its
 * `configurable` and `context` key by key under the run's, its `tags` and `recursion_limit` where the
 * run gives none.
 */
export function runKwargs(body: RunCreateBody, assistant: { config: AssistantConfig; context: JsonObject }): RunKwargs {
  const tags = body.config?.tags ?? assistant.config.tags;
  const recursionLimit = body.config?.recursion_limit ?? assistant.config.recursion_limit;
  const context = body.context || Object.keys(assistant.context).length > 0 ? { ...assistant.context, ...body.context } : null;
  const modes = body.stream_mode == null ? ["values" as const] : Array.isArray(body.stream_mode) ? body.stream_mode : [body.stream_mode];
  return {
    input: body.input ?? null,
    command: body.command ?? null,
    stream_mode: modes.length ? [...new Set(modes)] : ["values"],
    stream_subgraphs: body.stream_subgraphs ?? false,
    stream_resumable: body.stream_resumable ?? false,
    config: {
      ...(tags ? { tags } : {}),
      ...(recursionLimit ? { recursion_limit: recursionLimit } : {}),
      // LangGraph's own keys (`__pregel_*`: checkpointer, scratchpads) are not the client's to set.
      configurable: withoutInternal({ ...assistant.config.configurable, ...body.config?.configurable }),
    },
    context,
    checkpoint_id: body.checkpoint_id ?? body.checkpoint?.checkpoint_id ?? null,
    interrupt_before: body.interrupt_before ?? null,
    interrupt_after: body.interrupt_after ?? null,
    // checkpoint_during (deprecated) false meant what durability "exit" means now.
    durability: body.durability ?? (body.checkpoint_during === false ? "exit" : null),
    on_disconnect: body.on_disconnect ?? "cancel",
    ...(body.webhook ? { webhook: body.webhook } : {}),
  };
}

function withoutInternal(configurable: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(configurable).filter(([key]) => !key.startsWith("__")));
}
