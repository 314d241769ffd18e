import { describe, expect, it } from "vitest";
import type { RunEvent } from "../streaming/run-event.js";
import { formatSse } from "../streaming/sse-frame.js";
import { chatCompletion } from "./chat-completion.js";
import { type ChunkOptions, type CompletionChunk, CompletionChunks } from "./completion-chunks.js";

const OPTIONS: ChunkOptions = { id: "chatcmpl-1", model: "chat", created: 1700000000, includeUsage: false, showToolCalls: false };
const usage = { input_tokens: 9, output_tokens: 4, total_tokens: 13 };
const end = (status: "success" | "interrupted" = "success"): RunEvent => ({ type: "end", thread_id: "t-1", run_id: "r", checkpoint_id: "c", status, usage, latency_ms: 5, ttft_ms: 1 });
const token = (content: string, message_id = "m1"): RunEvent => ({ type: "token", content, index: 0, message_id, node: "agent" });
const TOOL_RUN: RunEvent[] = [
  { type: "start", thread_id: "t-1", run_id: "r" },
  { type: "message", id: "u1", role: "user", content: "6*7?" },
  token("Computing."),
  { type: "message", id: "m1", role: "assistant", content: "Computing.", tool_calls: [{ id: "call_1", name: "calculator", args: { expression: "6*7" } }] },
  { type: "tool_start", id: "call_1", name: "calculator", input: { expression: "6*7" } },
  { type: "tool_end", id: "call_1", name: "calculator", output: "42", duration_ms: 1 },
  token("42", "m2"),
  end(),
];

function wire(options: Partial<ChunkOptions>, events: RunEvent[]): string {
  const encoder = new CompletionChunks({ ...OPTIONS, ...options });
  return events.flatMap((e) => [encoder.encode(e)].flat()).map((chunk) => formatSse({ data: JSON.stringify(chunk) })).join("");
}

const head = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"chat"';

describe("CompletionChunks", () => {
  it("writes the role first, the text of each assistant message a blank line apart, and the finish, byte for byte", () => {
    expect(wire({}, TOOL_RUN)).toBe(
      `data: ${head},"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"content":"Computing."},"logprobs":null,"finish_reason":null}]}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"content":"\\n\\n42"},"logprobs":null,"finish_reason":null}]}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n`,
    );
  });

  it("with usage: usage null on every chunk, then a chunk of no choices with the run's", () => {
    const frames = wire({ includeUsage: true }, [{ type: "start", thread_id: "t-1", run_id: "r" }, token("hi"), end()]).split("\n\n");
    expect(frames[1]).toBe(`data: ${head},"choices":[{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":null}],"usage":null}`);
    expect(frames[3]).toBe(`data: ${head},"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}`);
  });

  it("shows the tools the graph runs as tool_calls deltas when asked, and the finish stays stop", () => {
    const encoder = new CompletionChunks({ ...OPTIONS, showToolCalls: true });
    const chunks = TOOL_RUN.flatMap((e) => encoder.encode(e) as CompletionChunk[]);
    expect(chunks.map((c) => c.choices[0]!.delta).filter((d) => d.tool_calls)).toEqual([
      { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "calculator", arguments: '{"expression":"6*7"}' } }] },
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
  });

  it("adds the tool calls shown up into message.tool_calls", () => {
    const encoder = new CompletionChunks({ ...OPTIONS, includeUsage: true, showToolCalls: true });
    expect(chatCompletion(TOOL_RUN.flatMap((e) => encoder.encode(e) as CompletionChunk[])).choices[0]!.message.tool_calls).toEqual([
      { id: "call_1", type: "function", function: { name: "calculator", arguments: '{"expression":"6*7"}' } },
    ]);
  });

  it("adds up to one chat.completion, the same text as the stream", () => {
    const encoder = new CompletionChunks({ ...OPTIONS, includeUsage: true });
    expect(chatCompletion(TOOL_RUN.flatMap((e) => encoder.encode(e) as CompletionChunk[]))).toEqual({
      id: "chatcmpl-1", object: "chat.completion", created: 1700000000, model: "chat",
      choices: [{ index: 0, message: { role: "assistant", content: "Computing.\n\n42", refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    });
  });

  it("sends the text of a model that does not stream, once", () => {
    const encoder = new CompletionChunks(OPTIONS);
    const events: RunEvent[] = [{ type: "message", id: "m9", role: "assistant", content: "whole" }, token("x", "m8"), { type: "message", id: "m8", role: "assistant", content: "x" }];
    expect(events.flatMap((e) => encoder.encode(e) as CompletionChunk[]).map((c) => c.choices[0]!.delta.content)).toEqual(["whole", "\n\nx"]);
  });

  it("ends a paused run with a short text and the pending calls on the finish chunk", () => {
    const encoder = new CompletionChunks(OPTIONS);
    const value = { action_requests: [{ name: "send_email", args: { to: "bob" }, tool_call_id: "call_9", description: "…" }] };
    encoder.encode({ type: "interrupt", id: "i1", value });
    const [text, finish] = encoder.encode(end("interrupted")) as CompletionChunk[];
    expect(text!.choices[0]!.delta.content).toBe('Paused: send_email needs your approval before it runs. Answer it on thread t-1 (POST /api/chat with "resume", or threadloom\'s web page).');
    expect(finish!.choices[0]!.finish_reason).toBe("stop");
    expect(finish!.threadloom).toEqual({
      status: "interrupted", thread_id: "t-1", interrupts: [{ id: "i1", value }],
      pending_tool_calls: [{ id: "call_9", type: "function", function: { name: "send_email", arguments: '{"to":"bob"}' } }],
    });
  });

  it("turns a failed run into OpenAI's in-stream error", () => {
    expect(new CompletionChunks(OPTIONS).encode({ type: "error", code: "model_unreachable", message: "Could not reach the model server." })).toEqual({
      error: { message: "Could not reach the model server.", type: "run_error", param: null, code: "model_unreachable" },
    });
  });
});
