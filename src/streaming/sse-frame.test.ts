import { describe, expect, it } from "vitest";
import { formatSse, formatSseComment } from "./sse-frame.js";

describe("formatSse", () => {
  it("writes event, id, retry and data in that order", () => {
    expect(formatSse({ data: "hello" })).toBe("data: hello\n\n");
    expect(formatSse({ event: "token", id: "7", data: "hi" })).toBe("event: token\nid: 7\ndata: hi\n\n");
    expect(formatSse({ data: "x", retry: 3000, id: "1", event: "e" })).toBe("event: e\nid: 1\nretry: 3000\ndata: x\n\n");
  });

  it("splits data on LF, CRLF and lone CR into one data line each", () => {
    expect(formatSse({ data: "a\nb" })).toBe("data: a\ndata: b\n\n");
    expect(formatSse({ data: "a\r\nb" })).toBe("data: a\ndata: b\n\n");
    expect(formatSse({ data: "a\rb" })).toBe("data: a\ndata: b\n\n");
    expect(formatSse({ data: "a\n\r\n\rb" })).toBe("data: a\ndata: \ndata: \ndata: b\n\n");
    expect(formatSse({ data: "trailing\n" })).toBe("data: trailing\ndata: \n\n");
  });

  it("keeps a single empty data line for empty data", () => {
    expect(formatSse({ data: "" })).toBe("data: \n\n");
    expect(formatSse({ event: "ping", data: "" })).toBe("event: ping\ndata: \n\n");
  });

  it("writes an empty id, which resets the client's last event id", () => {
    expect(formatSse({ id: "", data: "x" })).toBe("id: \ndata: x\n\n");
  });

  it("passes unicode and colons through unchanged", () => {
    expect(formatSse({ event: "tökén", data: "héllo 👋 — 日本: ok" })).toBe("event: tökén\ndata: héllo 👋 — 日本: ok\n\n");
  });

  it.each([
    [{ event: "a\nb", data: "" }, "SSE event must not contain CR or LF"],
    [{ event: "a\rb", data: "" }, "SSE event must not contain CR or LF"],
    [{ event: "a\r\nid: 9", data: "" }, "SSE event must not contain CR or LF"],
    [{ id: "1\n", data: "" }, "SSE id must not contain CR or LF"],
    [{ id: "1\r", data: "" }, "SSE id must not contain CR or LF"],
    [{ id: "1\u00002", data: "" }, "SSE id must not contain NUL"],
    [{ retry: -1, data: "" }, "SSE retry must be a non-negative integer, got -1"],
    [{ retry: 1.5, data: "" }, "SSE retry must be a non-negative integer, got 1.5"],
    [{ retry: Number.NaN, data: "" }, "SSE retry must be a non-negative integer, got NaN"],
  ])("rejects %j", (message, error) => {
    expect(() => formatSse(message)).toThrow(new TypeError(error));
    expect(() => formatSse(message)).toThrow(TypeError);
  });
});

describe("formatSseComment", () => {
  it("prefixes every line with a colon and ends the frame", () => {
    expect(formatSseComment("heartbeat")).toBe(": heartbeat\n\n");
    expect(formatSseComment("a\nb\r\nc\rd")).toBe(": a\n: b\n: c\n: d\n\n");
    expect(formatSseComment("")).toBe(": \n\n");
  });
});
