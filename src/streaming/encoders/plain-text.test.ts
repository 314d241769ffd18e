import { describe, expect, it } from "vitest";
import type { RunEvent } from "../run-event.js";
import { plainTextEncoder } from "./plain-text.js";

const end = (status: "success" | "interrupted" | "error" | "timeout"): RunEvent => ({
  type: "end", thread_id: "t1", run_id: "r1", checkpoint_id: null, status, usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 }, latency_ms: 1, ttft_ms: null,
});
const token = (content: string, messageId = "m1"): RunEvent => ({ type: "token", content, index: 0, message_id: messageId, node: "agent" });
const encode = (events: RunEvent[]) => events.map(plainTextEncoder()).join("");

describe("plainTextEncoder", () => {
  it("writes the tokens as they come and ends with a newline", () => {
    const encoder = plainTextEncoder();
    expect([{ type: "start", thread_id: "t1", run_id: "r1" } as RunEvent, token("Hel"), token("lo\r\nthere"), end("success")].map(encoder)).toEqual(["", "Hel", "lo\r\nthere", "\n"]);
  });

  it("does not repeat a streamed message, but writes one that came whole", () => {
    expect(encode([
      { type: "message", id: "u1", role: "user", content: "hi" },
      token("Hello"),
      { type: "message", id: "m1", role: "assistant", content: "Hello", tool_calls: [{ id: "c1", name: "calculator", args: {} }] },
      { type: "tool_start", id: "c1", name: "calculator", input: {} },
      { type: "tool_end", id: "c1", name: "calculator", output: "42", duration_ms: 1 },
      { type: "message", id: "tool1", role: "tool", content: "42", tool_call_id: "c1" },
      { type: "message", id: "m2", role: "assistant", content: "It is 42." },
      end("success"),
    ])).toBe("Hello\n\nIt is 42.\n");
  });

  it("separates two streamed messages by one blank line, whatever they end with", () => {
    expect(encode([token("one\n", "a"), token("two", "b"), token("three\n\n", "c"), token("four", "d"), end("success")])).toBe("one\n\ntwo\n\nthree\n\nfour\n");
  });

  it("ends a pause with its interrupt as JSON on one line", () => {
    expect(encode([token("Asking."), { type: "interrupt", id: "i1", value: { question: "ok?\nreally?" } }, end("interrupted")])).toBe(
      'Asking.\n[interrupted] {"id":"i1","value":{"question":"ok?\\nreally?"}}\n',
    );
  });

  it("ends a failure with its code and message on one line", () => {
    expect(encode([token("Half"), { type: "error", code: "timeout", message: "Too long;\nsaved." }])).toBe("Half\n[error] timeout: Too long; saved.\n");
  });

  it("says when a run stopped without an error, as a cancelled one", () => {
    expect(encode([token("Hal"), end("interrupted")])).toBe("Hal\n[stopped] interrupted\n");
    expect(encode([end("success")])).toBe("");
  });
});
