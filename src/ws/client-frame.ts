import type { RawData } from "ws";
import { z } from "zod";
import { AppError } from "../errors.js";
import { jsonRefusal } from "../http/check-json-body.js";
import type { ChatInput } from "../http/chat-routes.js";
import { nativeThreadId } from "../http/native-thread-id.js";
import { validate } from "../http/validate.js";

/** What a client may send on `/api/ws`, checked. */
export type ClientFrame =
  | { type: "auth"; apiKey: string }
  | { type: "chat" | "resume"; input: ChatInput }
  | { type: "cancel"; runId: string }
  | { type: "join"; threadId: string; lastEventId: number };

/** A frame's `type` and the client's `ref` for it (echoed on what answers it), the rest unchecked. */
export interface FrameEnvelope {
  type: ClientFrame["type"];
  ref?: string;
  body: Record<string, unknown>;
}

const envelope = z.looseObject({
  type: z.enum(["auth", "chat", "resume", "cancel", "join"], "must be auth, chat, resume, cancel or join"),
  ref: z.string().min(1).max(200).optional(),
});
const auth = z.strictObject({ api_key: z.string().min(1, "must not be empty").max(1000) });
const cancel = z.strictObject({ run_id: z.string().min(1).max(100) });
const join = z.strictObject({
  thread_id: nativeThreadId(),
  last_event_id: z.number("must be 0 or the event_id of the last event received").int().min(0).max(2 ** 31 - 2).default(0),
});

/** A message's JSON object (checked as request bodies are); throws an AppError naming what is wrong. */
export function parseFrame(data: RawData, isBinary: boolean): object {
  if (isBinary) throw invalid("frame", "must be a text frame holding a JSON object, not binary");
  const text = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid("frame", "malformed JSON", `The frame is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw invalid("frame", "must be a JSON object");
  const refused = jsonRefusal(value);
  if (refused) throw refused;
  return value;
}

/** The client's `ref` for a frame, when it gave a usable one: echoed even when the rest is refused. */
export function frameRef(frame: object): string | undefined {
  const { ref } = frame as { ref?: unknown };
  return typeof ref === "string" && ref.length > 0 && ref.length <= 200 ? ref : undefined;
}

/** The frame's `type` and `ref`, checked, and its other fields (not yet). */
export function readEnvelope(frame: object): FrameEnvelope {
  const { type, ref, ...body } = validate(envelope, frame, "frame");
  return { type, ref, body };
}

/** The frame's own fields, checked; a chat or resume with POST /api/chat's own schemas (`parseChat`). */
export function readFrame({ type, body }: FrameEnvelope, parseChat: (body: unknown) => ChatInput): ClientFrame {
  switch (type) {
    case "auth":
      return { type, apiKey: validate(auth, body, "frame").api_key };
    case "chat":
      if ("resume" in body) throw invalid("resume", "is sent in a frame of type resume");
      return { type, input: parseChat(body) };
    case "resume":
      if (!("resume" in body)) throw invalid("resume", "is required: the answer to the pause");
      return { type, input: parseChat(body) };
    case "cancel":
      return { type, runId: validate(cancel, body, "frame").run_id };
    case "join": {
      const { thread_id, last_event_id } = validate(join, body, "frame");
      return { type, threadId: thread_id, lastEventId: last_event_id };
    }
    default: {
      const never: never = type;
      throw new Error(`unknown frame type ${String(never)}`);
    }
  }
}

function invalid(name: string, reason: string, detail = `Invalid frame: ${name}: ${reason}`): AppError {
  return new AppError("invalid_request", detail, { fields: [{ name, reason }] });
}
