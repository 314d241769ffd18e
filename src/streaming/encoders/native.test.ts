import { describe, expect, it } from "vitest";
import { encodeNative } from "./native.js";

describe("encodeNative", () => {
  it("encodes a start event", () => {
    expect(encodeNative({ type: "start", thread_id: "t1", run_id: "r1" }, 0)).toBe(
      'event: start\nid: 0\ndata: {"type":"start","thread_id":"t1","run_id":"r1"}\n\n',
    );
  });

  it("keeps a token with a newline on a single data line", () => {
    const frame = encodeNative(
      { type: "token", content: "line one\nline two\r\n", index: 3, message_id: "m1", node: "agent" },
      12,
    );
    expect(frame).toBe(
      'event: token\nid: 12\ndata: {"type":"token","content":"line one\\nline two\\r\\n","index":3,"message_id":"m1","node":"agent"}\n\n',
    );
    expect(frame.split("\n").filter((line) => line.startsWith("data: "))).toHaveLength(1);
  });

  it("encodes an end event with usage and nulls", () => {
    const frame = encodeNative(
      {
        type: "end",
        thread_id: "t1",
        run_id: "r1",
        checkpoint_id: null,
        status: "success",
        usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
        latency_ms: 120,
        ttft_ms: null,
      },
      42,
    );
    expect(frame).toBe(
      "event: end\nid: 42\ndata: " +
        '{"type":"end","thread_id":"t1","run_id":"r1","checkpoint_id":null,"status":"success",' +
        '"usage":{"input_tokens":10,"output_tokens":5,"total_tokens":15},"latency_ms":120,"ttft_ms":null}\n\n',
    );
  });
});
