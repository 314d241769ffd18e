import { Router, type Request, type Response } from "express";
import type {} from "pino-http";
import { z } from "zod";
import { AppError } from "../errors.js";
import { authConfigurable, authorize, type WithAccess } from "./access.js";
import type { ActiveRun } from "../runs/active-run.js";
import type { RunManager } from "../runs/run-manager.js";
import { nativeThreadId, threadIdParams } from "./native-thread-id.js";
import { streamJoined, streamRun } from "./stream-run.js";
import { containsNul, requireJsonBody, validate } from "./validate.js";
import { doc, SSE_RESPONSE, type ResponseDoc } from "../openapi/doc.js";

export interface ChatRoutesDeps {
  runs: RunManager;
  maxMessageChars: number;
  heartbeatMs: number;
  sseMaxBufferBytes?: number;
}

/** The native chat protocol: `POST /api/chat` (JSON body) and `GET /chat` (EventSource). */
export function chatRoutes(deps: ChatRoutesDeps): Router {
  const { parseBody, query, body, inputBody, resumeBody } = chatInputs(deps.maxMessageChars);
  // Not strict: a POST's query was never read before `format`, and clients may send other parameters.
  const postQuery = z.object({ format: z.enum(["sse", "text"], "must be sse or text").optional() });
  const router = Router();

  router.post("/api/chat", doc({ summary: "Send a message (or a graph's input, or the answer to a pause) and stream the run", query: postQuery, body: [body, inputBody, resumeBody], response: CHAT_RESPONSE }), requireJsonBody, async (req, res) => {
    const { format } = validate(postQuery, req.query, "query");
    await streamChat(req, res, deps, parseBody(req.body), format ?? (wantsText(req) ? "text" : "sse"));
  });

  router.get("/chat", doc({ summary: "The same for a browser's EventSource: the message in the query", query, response: SSE_RESPONSE }), async (req, res) => {
    // An EventSource reconnects by itself after the stream ends, sending Last-Event-ID. Answering
    // 204 stops it, instead of sending the same message again as a new turn.
    if (req.get("last-event-id") !== undefined) {
      res.status(204).end();
      return;
    }
    await streamChat(req, res, deps, validate(query, req.query, "query"), "sse");
  });

  // A native run's stream joined again (a dropped connection, a reload, another tab): the thread's
  // run in progress, or the one `run_id` names, after the event `Last-Event-ID` names.
  const joinQuery = z.strictObject({ run_id: z.uuid("must be a UUID").optional() });
  router.get("/api/threads/:id/stream", doc({ summary: "Join a native run's stream again (after Last-Event-ID): the thread's run in progress, or run_id's; 204 when none", params: threadIdParams, query: joinQuery, response: SSE_RESPONSE }), async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const { run_id: asked } = validate(joinQuery, req.query, "query");
    const after = lastEventId(req.get("last-event-id"));
    const thread = await deps.runs.findNamedThread(id, res.locals.owner, await authorize(res, "threads:read", { thread_id: id }));
    const runId = asked ?? (await deps.runs.activeNativeRun(thread.threadId));
    if (runId === null) return void res.status(204).end();
    if (asked && !(await deps.runs.isNativeRunOf(thread.threadId, asked))) throw new AppError("not_found", `Run ${asked} was not found on thread ${id}.`);
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    await streamJoined(res, deps.runs.joinNativeRun(runId, after, gone.signal), gone, {
      heartbeatMs: deps.heartbeatMs, maxBufferBytes: deps.sseMaxBufferBytes, headers: { "X-Thread-Id": id, "X-Run-Id": runId },
    });
  });

  return router;
}

const lastEventIdValue = z.coerce.number().int().min(0).max(2 ** 31 - 2);

/** `Last-Event-ID`: the id of the last event the client has (0, or none, for all of them). */
export function lastEventId(header: string | undefined): number {
  if (header === undefined || header === "") return 0;
  const parsed = lastEventIdValue.safeParse(header);
  if (!parsed.success) {
    throw new AppError("invalid_request", "Invalid header: Last-Event-ID: must be the id of an event of this run's stream (a whole number).", {
      fields: [{ name: "Last-Event-ID", reason: "must be a whole number" }],
    });
  }
  return parsed.data;
}

/**
 * What a chat turn may be sent as: `parseBody` checks a JSON body (a message, a graph's input, or a
 * resume), `query` the query of `GET /chat`. Every transport of the native protocol validates with these.
 */
export function chatInputs(maxMessageChars: number) {
  const noNul = <T>(schema: z.ZodType<T>) => schema.refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters");
  const fields = {
    message: noNul(z.string().trim().min(1, "must not be empty").max(maxMessageChars, `must be at most ${maxMessageChars} characters`)),
    thread_id: nativeThreadId().optional(),
    assistant_id: noNul(z.string().min(1).max(200)).optional(),
    checkpoint_id: noNul(z.string().min(1).max(100)).optional(),
    on_disconnect: z.enum(["continue", "cancel"]).default("continue"),
  };
  // The run's own model settings, over its assistant's: one of the tenant's providers and a model of it.
  const configurable = z.strictObject({
    provider_id: z.uuid("must be a provider's id (a UUID)").optional(),
    model: noNul(z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters")).optional(),
  }, "must be an object with provider_id and model").optional();
  const body = z.strictObject({ ...fields, configurable, metadata: noNul(z.record(z.string(), z.unknown())).optional() });
  // Any graph's input itself, for graphs that keep no messages (or a client that builds the state).
  const { message: _, ...rest } = fields;
  const inputBody = z.strictObject({ ...rest, configurable, input: noNul(z.record(z.string(), z.unknown(), "must be an object: the graph's input")) });
  const query = z.strictObject(fields);
  // Continues an interrupted thread with its answer instead of a message: nothing else of a turn
  // applies. What the answer must be depends on the pause, so the run manager checks it against that.
  const resumeBody = z.strictObject({
    thread_id: nativeThreadId("is required with resume"),
    resume: noNul(z.unknown().refine((v) => v !== null && v !== undefined, "is required: the answer to the pause")),
    on_disconnect: fields.on_disconnect,
  });
  const parseBody = (input: unknown): ChatInput => {
    const has = (key: string) => typeof input === "object" && input !== null && key in input;
    if (has("input") && has("message")) {
      throw new AppError("invalid_request", "Invalid body: input: cannot be sent with message; send one of them.", { fields: [{ name: "input", reason: "cannot be sent with message" }] });
    }
    if (has("input") && !has("resume")) return validate(inputBody, input);
    if (!has("resume")) return validate(body, input);
    if (has("message")) {
      throw new AppError("invalid_request", "Invalid body: resume: cannot be sent with message; send message for a new turn, or resume to answer an interrupted thread.", {
        fields: [{ name: "resume", reason: "cannot be sent with message" }],
      });
    }
    return validate(resumeBody, input);
  };
  return { parseBody, query, body, inputBody, resumeBody };
}

export type ChatInput = { message?: string; input?: Record<string, unknown>; configurable?: { provider_id?: string; model?: string }; resume?: unknown; thread_id?: string; assistant_id?: string; checkpoint_id?: string; on_disconnect: "continue" | "cancel"; metadata?: Record<string, unknown> };

const CHAT_RESPONSE: ResponseDoc = {
  type: ["text/event-stream", "text/plain"],
  description: "The run's events (SSE); or, with `?format=text` or `Accept: text/plain`, the reply's text as it streams, ending with a `[interrupted] …`, `[error] …` or `[stopped] …` line when the run did not succeed. X-Thread-Id and X-Run-Id name the thread and the run.",
};

/** `Accept: text/plain` without `text/event-stream`: a script that wants the reply's text alone. */
function wantsText(req: Request): boolean {
  const accept = req.get("accept") ?? "";
  return /\btext\/plain\b/i.test(accept) && !/\btext\/event-stream\b/i.test(accept);
}

async function streamChat(req: Request, res: Response, deps: ChatRoutesDeps, input: ChatInput, format: "sse" | "text"): Promise<void> {
  const run = await createChatTurn(deps.runs, res, input, String(req.id));
  await streamRun(res, deps.runs, run, { heartbeatMs: deps.heartbeatMs, maxBufferBytes: deps.sseMaxBufferBytes, onDisconnect: input.on_disconnect, format });
}

/** Claims the run of a chat turn for its caller (`res.locals`' owner and access); the caller starts it. */
export async function createChatTurn(runs: RunManager, res: WithAccess & { locals: Pick<Response["locals"], "owner"> }, input: ChatInput, requestId: string): Promise<ActiveRun> {
  // A turn is a run on the thread (made by it when new): the auth handler may refuse it, hide the
  // thread, or stamp the metadata of a thread it makes.
  const value = { thread_id: input.thread_id, assistant_id: input.assistant_id, metadata: {} as Record<string, unknown>, if_not_exists: "create" };
  const visible = await authorize(res, "threads:create_run", value);
  return runs.createChatRun({
    owner: res.locals.owner,
    visible,
    threadMetadata: value.metadata ?? {},
    configurable: authConfigurable(res),
    settings: input.configurable,
    threadId: input.thread_id,
    assistantId: input.assistant_id,
    checkpointId: input.checkpoint_id,
    message: input.message === undefined ? undefined : { content: input.message, metadata: input.metadata },
    resume: input.resume,
    input: input.input,
    requestId,
  });
}
