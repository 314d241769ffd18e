import { randomUUID } from "node:crypto";
import { type Request, Router } from "express";
import { z } from "zod";
import type { Owner } from "../conversations/conversation-repository.js";
import { AppError } from "../errors.js";
import { authConfigurable, authorize } from "../http/access.js";
import { requireJsonBody, validate } from "../http/validate.js";
import type { RunManager } from "../runs/run-manager.js";
import { type CompletionRequest, completionRequest, threadIdHeader } from "./completion-request.js";
import { type ConversationMessage, toConversation } from "./conversation.js";
import type { OpenAiModels } from "./openai-models.js";
import { respondCompletion } from "./respond-completion.js";
import { doc } from "../openapi/doc.js";

export interface OpenAiRoutesDeps {
  runs: RunManager;
  models: OpenAiModels;
  maxMessageChars: number;
  heartbeatMs: number;
  sseMaxBufferBytes?: number;
}

/**
 * OpenAI's chat completions over the service's runs: `POST /v1/chat/completions` runs the assistant
 * the `model` names, `GET /v1/models` lists what may be named. With a thread (`X-Thread-Id` or
 * `metadata.thread_id`) only the last user message is run and the thread remembers the rest;
 * without one the request's messages are the whole conversation, run on a thread of their own that
 * is deleted afterwards (kept with `store: true`, or when the run pauses for a human).
 */
const OPENAI_ERRORS_DOC = { type: "application/json", description: "An error in OpenAI's shape: {\"error\": {\"message\", \"type\", \"param\", \"code\"}}." };

export function openAiRoutes(deps: OpenAiRoutesDeps): Router {
  const router = Router();

  router.get("/v1/models", doc({ summary: "The models a completion may name: each graph, then the tenant's stored assistants", errors: OPENAI_ERRORS_DOC }), async (_req, res) => {
    const visible = await authorize(res, "assistants:search", { limit: 1000 });
    res.json({ object: "list", data: await deps.models.list(res.locals.owner.tenantId, visible) });
  });

  router.post("/v1/chat/completions", doc({ summary: "A chat completion (streamed with stream: true) run on an assistant or graph, stateless or on a thread (X-Thread-Id)", body: completionRequest, response: { type: ["application/json", "text/event-stream"] }, errors: OPENAI_ERRORS_DOC }), requireJsonBody, async (req, res) => {
    const body = validate(completionRequest, req.body);
    const owner = res.locals.owner;
    const threadId = threadOf(req, body);
    const conversation = toConversation(body.messages, deps.maxMessageChars);
    const assistantId = await deps.models.resolve(owner.tenantId, body.model);
    const turn = threadId === undefined ? { messages: conversation } : await threadTurn(deps.runs, owner, threadId, conversation);
    const { thread_id: _, ...metadata } = body.metadata ?? {};
    // As a native turn: the auth handler may refuse it, hide the thread, or stamp a new thread's metadata.
    const value = { thread_id: threadId, assistant_id: assistantId, metadata: metadata as Record<string, unknown>, if_not_exists: "create" };
    const visible = await authorize(res, "threads:create_run", value);
    const run = await deps.runs
      .createChatRun({
        owner, visible, threadMetadata: value.metadata ?? {}, threadId, assistantId, ...turn, requestId: String(req.id),
        // The chat graph's sampling setting; other graphs read what they know of `configurable`.
        configurable: { ...(typeof body.temperature === "number" && { temperature: body.temperature }), ...authConfigurable(res) },
      })
      .catch((err) => {
        throw keepsNoMessages(err) ? new AppError("invalid_request", `Invalid body: model: ${body.model} keeps no messages, so it cannot chat.`, { param: "model", fields: [{ name: "model", reason: "keeps no messages" }] }) : err;
      });
    await respondCompletion(res, deps.runs, run, {
      id: `chatcmpl-${randomUUID().replaceAll("-", "")}`, model: body.model, created: Math.floor(Date.now() / 1000),
      stream: body.stream === true, includeUsage: body.stream_options?.include_usage === true,
      showToolCalls: body.show_tool_calls ?? /^(true|1)$/i.test(req.get("x-show-tool-calls") ?? ""),
      keep: threadId !== undefined || body.store === true,
      owner, heartbeatMs: deps.heartbeatMs, maxBufferBytes: deps.sseMaxBufferBytes,
    });
  });

  return router;
}

/** The thread the request continues: `X-Thread-Id`, or `metadata.thread_id`; none for a stateless request. */
function threadOf(req: Request, body: CompletionRequest): string | undefined {
  const header = req.get("x-thread-id");
  const checked = header === undefined ? undefined : threadIdHeader.safeParse(header);
  if (checked && !checked.success) {
    const reason = checked.error.issues[0]!.message;
    throw new AppError("invalid_request", `Invalid header: X-Thread-Id: ${reason}`, { fields: [{ name: "X-Thread-Id", reason }] });
  }
  const fromHeader = checked?.data;
  const fromMetadata = body.metadata?.thread_id === undefined ? undefined : validate(z.object({ metadata: z.object({ thread_id: threadIdHeader }) }), body).metadata.thread_id;
  if (fromHeader !== undefined && fromMetadata !== undefined && fromHeader !== fromMetadata) {
    throw new AppError("invalid_request", "Invalid body: metadata.thread_id: names another thread than the X-Thread-Id header.", {
      fields: [{ name: "metadata.thread_id", reason: "differs from X-Thread-Id" }],
    });
  }
  return fromHeader ?? fromMetadata;
}

/**
 * On a thread only the last message is new: the thread's state holds the rest. A thread the request
 * starts also takes the request's system messages, before it, as the conversation's first messages.
 */
async function threadTurn(runs: RunManager, owner: Owner, threadId: string, conversation: ConversationMessage[]) {
  const last = conversation.at(-1)!;
  const system = conversation.filter((m) => m.role === "system");
  const exists = await runs.findNamedThread(threadId, owner).then(
    () => true,
    (err) => (err instanceof AppError && err.code === "not_found" ? false : Promise.reject(err)),
  );
  return !exists && system.length > 0 ? { messages: [...system, last] } : { message: { content: last.content } };
}

function keepsNoMessages(err: unknown): boolean {
  const fields = err instanceof AppError ? (err.extra.fields ?? []) : [];
  return fields.some((f) => (f.name === "messages" || f.name === "message") && f.reason.includes("keeps no messages"));
}
