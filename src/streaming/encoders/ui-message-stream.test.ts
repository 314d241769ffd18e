import { createUIMessageStream, createUIMessageStreamResponse, DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../run-event.js";
import { formatUiChunk, UI_STREAM_DONE, type UiMessageChunk } from "./ui-message-chunk.js";
import { UiMessageStreamEncoder, type UiMessageStreamOptions } from "./ui-message-stream.js";

const usage = { input_tokens: 3, output_tokens: 4, total_tokens: 7 };
const end = (status: "success" | "interrupted" | "error" = "success"): RunEvent => ({ type: "end", thread_id: "t1", run_id: "r1", checkpoint_id: "c1", status, usage, latency_ms: 9, ttft_ms: 2 });
const metadata = (status: string) => ({ thread_id: "t1", run_id: "r1", checkpoint_id: "c1", status, usage });

function encode(events: RunEvent[], options?: UiMessageStreamOptions): UiMessageChunk[] {
  const encoder = new UiMessageStreamEncoder(options);
  return events.flatMap((e) => encoder.encode(e));
}

const bytes = (chunks: UiMessageChunk[]) => chunks.map(formatUiChunk).join("") + UI_STREAM_DONE;

/** What `ai` 6 builds of the bytes, read as `useChat` reads a response (DefaultChatTransport), starting from `from`. */
async function readAsClient(body: string, from?: UIMessage): Promise<UIMessage> {
  const transport = new DefaultChatTransport({ fetch: async () => new Response(body) });
  const stream = await transport.sendMessages({ chatId: "t1", messages: [], trigger: "submit-message", messageId: undefined, abortSignal: undefined });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream, message: from, terminateOnError: true })) last = message;
  return last!;
}

const toolTurn: RunEvent[] = [
  { type: "start", thread_id: "t1", run_id: "r1" },
  { type: "message", id: "u1", role: "user", content: "what is 6 * 7?" },
  { type: "message", id: "m1", role: "assistant", content: "", tool_calls: [{ id: "call_1", name: "calculator", args: { expression: "6 * 7" } }] },
  { type: "tool_start", id: "call_1", name: "calculator", input: { expression: "6 * 7" } },
  { type: "tool_end", id: "call_1", name: "calculator", output: "42", duration_ms: 1 },
  { type: "message", id: "tm1", role: "tool", content: "42", tool_call_id: "call_1", name: "calculator" },
  { type: "token", content: "It is", index: 0, message_id: "m2", node: "agent" },
  { type: "token", content: " 42.\n", index: 1, message_id: "m2", node: "agent" },
  { type: "message", id: "m2", role: "assistant", content: "It is 42.\n" },
  end(),
];

describe("UiMessageStreamEncoder", () => {
  it("sends a tool call and its answer as two steps of one message, byte for byte", async () => {
    const body = bytes(encode(toolTurn));
    expect(body).toBe(
      [
        '{"type":"start","messageId":"m1"}',
        '{"type":"start-step"}',
        '{"type":"tool-input-start","toolCallId":"call_1","toolName":"calculator"}',
        '{"type":"tool-input-available","toolCallId":"call_1","toolName":"calculator","input":{"expression":"6 * 7"}}',
        '{"type":"tool-output-available","toolCallId":"call_1","output":"42"}',
        '{"type":"finish-step"}',
        '{"type":"start-step"}',
        '{"type":"text-start","id":"m2"}',
        '{"type":"text-delta","id":"m2","delta":"It is"}',
        '{"type":"text-delta","id":"m2","delta":" 42.\\n"}',
        '{"type":"text-end","id":"m2"}',
        '{"type":"finish-step"}',
        `{"type":"finish","finishReason":"stop","messageMetadata":${JSON.stringify(metadata("success"))}}`,
        "[DONE]",
      ]
        .map((data) => `data: ${data}\n\n`)
        .join(""),
    );
    expect(await readAsClient(body)).toEqual({
      id: "m1",
      role: "assistant",
      metadata: metadata("success"),
      parts: [
        { type: "step-start" },
        { type: "tool-calculator", toolCallId: "call_1", state: "output-available", input: { expression: "6 * 7" }, output: "42", title: undefined, rawInput: undefined, errorText: undefined, providerExecuted: undefined, preliminary: undefined },
        { type: "step-start" },
        { type: "text", text: "It is 42.\n", state: "done", providerMetadata: undefined },
      ],
    });
  });

  it("frames parts exactly as the AI SDK's own createUIMessageStreamResponse does", async () => {
    const chunks = encode(toolTurn);
    const reference = createUIMessageStreamResponse({ stream: createUIMessageStream({ execute: ({ writer }) => chunks.forEach((c) => writer.write(c as UIMessageChunk)) }) });
    expect(bytes(chunks)).toBe(await reference.text());
  });

  it("shows a reply that streamed no tokens from its message", () => {
    expect(encode([{ type: "message", id: "m1", role: "assistant", content: "hi" }])).toEqual([
      { type: "start", messageId: "m1" },
      { type: "start-step" },
      { type: "text-start", id: "m1" },
      { type: "text-delta", id: "m1", delta: "hi" },
      { type: "text-end", id: "m1" },
    ]);
  });

  it("asks for approval with the AI SDK's own part, and finishes as a step that made tool calls", async () => {
    const value = { action_requests: [{ name: "send_email", args: { to: "bob@example.com" }, tool_call_id: "call_9", description: "…" }], review_configs: [] };
    const chunks = encode([
      { type: "message", id: "m1", role: "assistant", content: "", tool_calls: [{ id: "call_9", name: "send_email", args: { to: "bob@example.com" } }] },
      { type: "interrupt", id: "i1", value },
      end("interrupted"),
    ]);
    expect(chunks.slice(4)).toEqual([
      { type: "tool-approval-request", approvalId: "i1:call_9", toolCallId: "call_9" },
      { type: "finish-step" },
      { type: "finish", finishReason: "tool-calls", messageMetadata: metadata("interrupted") },
    ]);
    const message = await readAsClient(bytes(chunks));
    expect(message.parts[1]).toMatchObject({ type: "tool-send_email", state: "approval-requested", approval: { id: "i1:call_9" } });
  });

  it("continues the paused reply after a decision: an outcome, or a denial for a rejected call", async () => {
    const approved = encode([{ type: "start", thread_id: "t1", run_id: "r2" }, { type: "tool_start", id: "call_9", name: "send_email", input: {} }, { type: "tool_end", id: "call_9", name: "send_email", output: "sent", duration_ms: 1 }], { continuesReply: "m1" });
    expect(approved).toEqual([{ type: "start", messageId: "m1" }, { type: "tool-output-available", toolCallId: "call_9", output: "sent" }]);
    const rejected = encode([{ type: "message", id: "tm", role: "tool", content: "The user rejected this call", tool_call_id: "call_9" }, { type: "token", content: "ok", index: 0, message_id: "m3", node: "agent" }], { continuesReply: "m1" });
    expect(rejected).toEqual([
      { type: "start", messageId: "m1" },
      { type: "tool-output-denied", toolCallId: "call_9" },
      { type: "start-step" },
      { type: "text-start", id: "m3" },
      { type: "text-delta", id: "m3", delta: "ok" },
    ]);
  });

  it("sends a failed tool as tool-output-error, documents and other pauses as data parts, and a run's error as error", () => {
    expect(encode([{ type: "message", id: "m1", role: "assistant", content: "", tool_calls: [{ id: "c", name: "calculator", args: {} }] }, { type: "tool_end", id: "c", name: "calculator", error: "bad expression", duration_ms: 0 }]).at(-1)).toEqual({ type: "tool-output-error", toolCallId: "c", errorText: "bad expression" });
    expect(encode([{ type: "doc", title: "Haiku", content: "…", version: 1 }, { type: "interrupt", id: "i2", value: { question: "sure?" } }, { type: "update", node: "n", values: { a: 1 } }])).toEqual([
      { type: "start" },
      { type: "data-doc", data: { title: "Haiku", content: "…", version: 1 } },
      { type: "data-interrupt", id: "i2", data: { id: "i2", value: { question: "sure?" } } },
      { type: "data-update", data: { node: "n", values: { a: 1 } } },
    ]);
    expect(encode([{ type: "token", content: "par", index: 0, message_id: "m1", node: "agent" }, { type: "error", code: "model_error", message: "The model failed." }]).slice(-2)).toEqual([
      { type: "text-end", id: "m1" },
      { type: "error", errorText: "The model failed." },
    ]);
  });
});
