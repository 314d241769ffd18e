import { type Request, type Response, Router } from "express";
import { AppError } from "../errors.js";
import { authConfigurable, authorize } from "./access.js";
import type { BranchRoutesDeps } from "./branch-routes.js";
import { threadIdParams } from "./native-thread-id.js";
import { openUiStream, streamUiRun } from "./stream-ui-run.js";
import { readUiChatRequest, uiChatBody, type UiChatRequest } from "./ui-chat-request.js";
import { doc, SSE_RESPONSE } from "../openapi/doc.js";
import { requireJsonBody, validate } from "./validate.js";

/** What the branching routes need: the UI chat regenerates and edits through the same branching. */
export type UiChatRoutesDeps = BranchRoutesDeps;

/** The Vercel AI SDK's `useChat` (`DefaultChatTransport`): `POST /api/ui/chat` and its resume, `GET /api/ui/chat/:id/stream`. */
export function uiChatRoutes(deps: UiChatRoutesDeps): Router {
  const router = Router();

  const tag = "Vercel AI SDK UI message stream";
  const stream = { ...SSE_RESPONSE, description: "The AI SDK's UI message stream (v1: `x-vercel-ai-ui-message-stream: v1`), ending with `data: [DONE]`." };
  router.post("/api/ui/chat", doc({ summary: "useChat's request: run its new message (or regenerate, or answer approvals) and stream the reply", tag, body: uiChatBody, response: stream }), requireJsonBody, async (req, res) => {
    await streamTurn(req, res, deps, readUiChatRequest(req.body, deps.maxMessageChars));
  });

  // useChat's `resume: true`: the thread's run in progress, replayed from its first event (the
  // transport's default, resumeStreamIsReplay), then live. Nothing to rejoin (no run, or no thread the
  // caller may see) is a 204, which the transport reads as "no stream", never as an error.
  router.get("/api/ui/chat/:id/stream", doc({ summary: "useChat's resume: the thread's run in progress from its start; 204 when none", tag, params: threadIdParams, response: stream }), async (req, res) => {
    const { id } = validate(threadIdParams, req.params, "path");
    const visible = await authorize(res, "threads:read", { thread_id: id });
    const thread = await deps.runs.findNamedThread(id, res.locals.owner, visible).catch((err: unknown) => {
      if (err instanceof AppError && err.code === "not_found") return null;
      throw err;
    });
    const runId = thread && (await deps.runs.activeNativeRun(thread.threadId));
    if (!thread || !runId) {
      res.status(204).end();
      return;
    }
    const continuesReply = replyAfterLastUser(await deps.conversations.headMessages(thread.threadId)) ?? undefined;
    const { sse, send } = openUiStream(res, { "X-Thread-Id": id, "X-Run-Id": runId }, { heartbeatMs: deps.heartbeatMs, maxBufferBytes: deps.sseMaxBufferBytes, continuesReply });
    const leave = new AbortController();
    sse.onDisconnect(() => leave.abort());
    for await (const { event } of deps.runs.joinNativeRun(runId, 0, leave.signal)) send(event);
    sse.end();
  });

  return router;
}

async function streamTurn(req: Request, res: Response, deps: UiChatRoutesDeps, request: UiChatRequest): Promise<void> {
  const { turn } = request;
  const value = { thread_id: request.threadId, assistant_id: request.assistantId, metadata: {} as Record<string, unknown>, if_not_exists: "create" };
  const visible = await authorize(res, "threads:create_run", value);
  const owner = res.locals.owner;
  // Regenerate and edit run from the checkpoint before the message they replace: a new branch.
  let checkpointId: string | undefined;
  if (turn.kind === "regenerate" || (turn.kind === "message" && turn.edit)) {
    const { threadId } = await deps.runs.findNamedThread(request.threadId, owner, visible);
    const head = await deps.conversations.headMessages(threadId);
    checkpointId = turn.kind === "regenerate"
      ? await deps.branches.checkpointBefore(threadId, turn.replyId ?? lastReplyId(head, request.threadId), "assistant")
      : await deps.branches.checkpointBefore(threadId, editedId(head, turn.edit!), "user");
  }
  const run = await deps.runs.createChatRun({
    owner,
    visible,
    threadMetadata: value.metadata ?? {},
    configurable: authConfigurable(res),
    threadId: request.threadId,
    assistantId: request.assistantId,
    checkpointId,
    message: turn.kind === "message" ? { content: turn.text } : undefined,
    resume: turn.kind === "resume" ? { decisions: turn.decisions } : undefined,
    requestId: String(req.id),
  });
  await streamUiRun(res, deps.runs, run, {
    heartbeatMs: deps.heartbeatMs, maxBufferBytes: deps.sseMaxBufferBytes, onDisconnect: request.onDisconnect,
    continuesReply: turn.kind === "resume" ? turn.replyId : undefined,
  });
}

type HeadMessage = { messageId: string; role: string };

/** The thread's last reply: the first assistant message after the last user message on the head branch. */
export function replyAfterLastUser(head: HeadMessage[]): string | null {
  const lastUser = head.map((m) => m.role).lastIndexOf("user");
  return head.slice(lastUser + 1).find((m) => m.role === "assistant")?.messageId ?? null;
}

function lastReplyId(head: HeadMessage[], threadId: string): string {
  const id = replyAfterLastUser(head);
  if (id === null) throw new AppError("conflict", `Thread ${threadId} has no reply to regenerate.`);
  return id;
}

/** The user message an edit replaces: ours by its id, else (a client that keeps ids of its own) by its place. */
function editedId(head: HeadMessage[], edit: { id: string; ordinal: number }): string {
  if (head.some((m) => m.messageId === edit.id)) return edit.id;
  return head.filter((m) => m.role === "user")[edit.ordinal]?.messageId ?? edit.id;
}
