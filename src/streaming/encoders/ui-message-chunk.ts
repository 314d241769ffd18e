/**
 * The parts of the Vercel AI SDK's UI message stream (protocol v1) that threadloom sends, spelled as
 * `ai` 6 reads them (its `uiMessageChunkSchema`). Each is one SSE `data:` line of JSON.
 */
export type UiMessageChunk =
  | { type: "start"; messageId?: string }
  | { type: "start-step" }
  | { type: "finish-step" }
  | { type: "text-start"; id: string }
  | { type: "text-delta"; id: string; delta: string }
  | { type: "text-end"; id: string }
  | { type: "tool-input-start"; toolCallId: string; toolName: string }
  | { type: "tool-input-available"; toolCallId: string; toolName: string; input: unknown }
  | { type: "tool-approval-request"; approvalId: string; toolCallId: string }
  | { type: "tool-output-available"; toolCallId: string; output: unknown }
  | { type: "tool-output-error"; toolCallId: string; errorText: string }
  | { type: "tool-output-denied"; toolCallId: string }
  | { type: `data-${string}`; id?: string; data: unknown }
  | { type: "error"; errorText: string }
  | { type: "finish"; finishReason: UiFinishReason; messageMetadata?: unknown };

export type UiFinishReason = "stop" | "length" | "content-filter" | "tool-calls" | "error" | "other";

/** The response headers of `ai`'s `UI_MESSAGE_STREAM_HEADERS` that a client checks for. */
export const UI_MESSAGE_STREAM_HEADER = { "x-vercel-ai-ui-message-stream": "v1" } as const;

/** One part as the AI SDK's `JsonToSseTransformStream` frames it (JSON holds no raw line break). */
export function formatUiChunk(chunk: UiMessageChunk): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** The AI SDK's end-of-stream marker, sent after the last part. */
export const UI_STREAM_DONE = "data: [DONE]\n\n";
