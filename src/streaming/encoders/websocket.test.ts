import { describe, expect, it } from "vitest";
import { encodeNative } from "./native.js";
import { encodeWebSocket } from "./websocket.js";

describe("encodeWebSocket", () => {
  it("keeps start's own run_id in place and adds the event id, and the client's ref when given", () => {
    expect(encodeWebSocket({ type: "start", thread_id: "t1", run_id: "r1" }, 1, "r1", "turn-a")).toBe(
      '{"type":"start","thread_id":"t1","run_id":"r1","event_id":1,"ref":"turn-a"}',
    );
  });

  it("adds the run id to events that carry none, after the SSE data's fields, and leaves message ids alone", () => {
    const token = { type: "token", content: "line one\nline two", index: 3, message_id: "m1", node: "agent" } as const;
    expect(encodeWebSocket(token, 12, "r1")).toBe('{"type":"token","content":"line one\\nline two","index":3,"message_id":"m1","node":"agent","run_id":"r1","event_id":12}');
    expect(encodeWebSocket({ type: "message", id: "m1", role: "assistant", content: "hi" }, 13, "r1")).toBe(
      '{"type":"message","id":"m1","role":"assistant","content":"hi","run_id":"r1","event_id":13}',
    );
  });

  it("carries the same fields as the native SSE frame's data", () => {
    const event = { type: "error", code: "model_timeout", message: "The model stopped answering." } as const;
    const data = JSON.parse(/^data: (.*)$/m.exec(encodeNative(event, 7))![1]!);
    const { run_id, event_id, ...fields } = JSON.parse(encodeWebSocket(event, 7, "r9"));
    expect(fields).toEqual(data);
    expect({ run_id, event_id }).toEqual({ run_id: "r9", event_id: 7 });
  });
});
