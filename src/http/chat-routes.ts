import { Router, type Request, type Response } from "express";
import type {} from "pino-http";
import { z } from "zod";
import type { RunManager } from "../runs/run-manager.js";
import { encodeNative } from "../streaming/encoders/native.js";
import { openSse } from "./open-sse.js";
import { containsNul, requireJsonBody, validate } from "./validate.js";

export interface ChatRoutesDeps {
  runs: RunManager;
  maxMessageChars: number;
  heartbeatMs: number;
}

/** The native chat protocol: `POST /api/chat` (JSON body) and `GET /chat` (EventSource). */
export function chatRoutes(deps: ChatRoutesDeps): Router {
  const noNul = <T>(schema: z.ZodType<T>) => schema.refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters");
  const fields = {
    message: noNul(z.string().trim().min(1, "must not be empty").max(deps.maxMessageChars, `must be at most ${deps.maxMessageChars} characters`)),
    thread_id: z.uuid("must be a UUID").optional(),
    assistant_id: noNul(z.string().min(1).max(200)).optional(),
    checkpoint_id: noNul(z.string().min(1).max(100)).optional(),
    on_disconnect: z.enum(["continue", "cancel"]).default("continue"),
  };
  const body = z.strictObject({ ...fields, metadata: noNul(z.record(z.string(), z.unknown())).optional() });
  const query = z.strictObject(fields);
  const router = Router();

  router.post("/api/chat", requireJsonBody, async (req, res) => {
    await streamChat(req, res, deps, validate(body, req.body));
  });

  router.get("/chat", async (req, res) => {
    // An EventSource reconnects by itself after the stream ends, sending Last-Event-ID. Answering
    // 204 stops it, instead of sending the same message again as a new turn.
    if (req.get("last-event-id") !== undefined) {
      res.status(204).end();
      return;
    }
    await streamChat(req, res, deps, validate(query, req.query, "query"));
  });

  return router;
}

type ChatInput = { message: string; thread_id?: string; assistant_id?: string; checkpoint_id?: string; on_disconnect: "continue" | "cancel"; metadata?: Record<string, unknown> };

async function streamChat(req: Request, res: Response, deps: ChatRoutesDeps, input: ChatInput): Promise<void> {
  const run = await deps.runs.createChatRun({
    owner: res.locals.owner,
    threadId: input.thread_id,
    assistantId: input.assistant_id,
    checkpointId: input.checkpoint_id,
    message: { content: input.message, metadata: input.metadata },
    requestId: String(req.id),
  });
  const sse = openSse(res, { heartbeatMs: deps.heartbeatMs, headers: { "X-Thread-Id": run.input.threadId, "X-Run-Id": run.runId } });
  const unsubscribe = run.channel.subscribe((event, seq) => {
    sse.write(encodeNative(event, seq));
    if (event.type === "end" || event.type === "error") sse.end();
  });
  sse.onDisconnect(() => {
    unsubscribe();
    if (input.on_disconnect === "cancel") deps.runs.cancel(run.runId);
  });
  await deps.runs.start(run);
  sse.end();
}
