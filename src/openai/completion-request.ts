import { z } from "zod";
import { nativeThreadId } from "../http/native-thread-id.js";
import { containsNul } from "../http/validate.js";

/** More than any chat UI resends; the JSON body's size limit bounds the rest. */
const MAX_MESSAGES = 10_000;

const noNul = <T>(schema: z.ZodType<T>) => schema.refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters");
const refused = (why: string) => z.unknown().refine(() => false, why);

/** A message's content: a string or text parts (other parts are refused where the messages are read). */
const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"], "must be system, developer, user or assistant"),
  content: z.union([z.string(), z.array(contentPart), z.null()], "must be a string or an array of content parts").optional(),
  name: z.string().max(200).optional(),
});
export type CompletionMessage = z.infer<typeof message>;

/**
 * The body of `POST /v1/chat/completions`, as OpenAI's clients send it. What the graph decides
 * (its tools, its output) is refused when a client asks for it; sampling fields the graph cannot
 * apply are accepted and ignored, as clients send them by default. Unknown fields are ignored too.
 */
export const completionRequest =
  noNul(
    z.looseObject({
      model: z.string("is required: an assistant's id or name, or a graph id (see GET /v1/models)").min(1, "must not be empty").max(200),
      messages: z.array(message, "is required: the conversation, a list of messages").min(1, "must hold at least one message").max(MAX_MESSAGES),
      stream: z.boolean().nullish(),
      stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
      /** A thread to continue (`X-Thread-Id` does the same); other keys are kept on a thread the request starts. */
      metadata: z.record(z.string(), z.string().max(512), "must be an object of strings").nullish(),
      store: z.boolean().nullish(),
      temperature: z.number().min(0, "must be from 0 to 2").max(2, "must be from 0 to 2").nullish(),
      n: z.literal(1, "must be 1: threadloom answers with one choice").nullish(),
      /** Ours: the graph's tool calls as `tool_calls` deltas too (also the header `X-Show-Tool-Calls: true`). */
      show_tool_calls: z.boolean().optional(),
      tools: z.array(z.unknown()).max(0, "are not accepted: the assistant's graph owns its tools, and runs them itself").nullish(),
      functions: z.array(z.unknown()).max(0, "are not accepted: the assistant's graph owns its tools, and runs them itself").nullish(),
      tool_choice: z.union([z.literal("none"), z.literal("auto")], "must be none or auto: the assistant's graph decides which tools it calls").nullish(),
      function_call: z.union([z.literal("none"), z.literal("auto")], "must be none or auto: the assistant's graph decides which tools it calls").nullish(),
      logprobs: z.literal(false, "cannot be given: the graph's model calls do not report them").nullish(),
      top_logprobs: z.literal(0, "cannot be given: the graph's model calls do not report them").nullish(),
      response_format: z.looseObject({ type: z.literal("text", "must be text: the graph decides the shape of its reply") }).nullish(),
      modalities: z.array(z.literal("text", "must be text: replies are text")).nullish(),
      audio: z.null().optional().or(refused("is not supported: replies are text")),
      prediction: z.null().optional().or(refused("is not supported")),
    }),
  );

export type CompletionRequest = z.infer<typeof completionRequest>;

/** `X-Thread-Id`, and `metadata.thread_id`, name a thread as native clients do. */
export const threadIdHeader = nativeThreadId();
