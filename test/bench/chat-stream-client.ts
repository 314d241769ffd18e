/**
 * One native chat turn (POST /api/chat) read as a client follows it: every SSE frame parsed, so the
 * long-thread and streams parts can tell a complete turn (its tokens, its tool call, `end` with
 * status success) from a failed one and say why it failed (HTTP status and problem title, `error`
 * event code, socket error, timeout). Plain `node:http`: a thousand of them at once must cost the
 * bench's process little, and each one's socket is its own (no pool to wait for).
 */
import http from "node:http";

export interface ChatStreamResult {
  /** HTTP status, 0 when no response came. */
  status: number;
  threadId?: string;
  tokens: number;
  toolStarts: number;
  toolEnds: number;
  /** The `end` event's status (success, error, interrupted, timeout), if it came. */
  endStatus?: string;
  /** Why the turn is not a complete one; undefined when it is. */
  failure?: string;
  /** Request sent -> first token event read, if any. */
  ttftMs?: number;
  /** Request sent -> `end` event read (or the failure). */
  turnMs: number;
}

export interface ChatStreamOptions {
  agent?: http.Agent;
  timeoutMs?: number;
  /** Called when the first token arrives (the streams part counts who is streaming). */
  onFirstToken?(): void;
}

export function chatStream(baseURL: string, body: Record<string, unknown>, options: ChatStreamOptions = {}): Promise<ChatStreamResult> {
  const payload = JSON.stringify(body);
  const t0 = performance.now();
  const result: ChatStreamResult = { status: 0, tokens: 0, toolStarts: 0, toolEnds: 0, turnMs: 0 };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (failure?: string) => {
      if (settled) return;
      settled = true;
      result.turnMs = performance.now() - t0;
      if (!failure && result.endStatus !== "success") failure = result.endStatus ? `end status ${result.endStatus}` : `stream ended without an end event, ${where()}`;
      result.failure = failure;
      req.destroy();
      resolve(result);
    };
    const req = http.request(new URL("/api/chat", baseURL), {
      method: "POST",
      agent: options.agent ?? false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
    });
    // Reasons group clients: where the turn was when it failed, not how many tokens exactly.
    const where = () => (result.status === 0 ? "before any response" : result.tokens === 0 ? "before the first token" : "mid-stream");
    const timeoutMs = options.timeoutMs ?? 120_000;
    req.setTimeout(timeoutMs, () => finish(`no data for ${timeoutMs / 1000} s, ${where()}`));
    req.on("error", (err: NodeJS.ErrnoException) => finish(`socket ${err.code ?? err.message}, ${where()}`));
    req.on("response", (res) => {
      result.status = res.statusCode ?? 0;
      const header = res.headers["x-thread-id"];
      if (typeof header === "string") result.threadId = header;
      let text = "";
      res.setEncoding("utf8");
      if (result.status !== 200) {
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => finish(`HTTP ${result.status}: ${problemTitle(text)}`));
        return;
      }
      res.on("data", (chunk: string) => {
        text += chunk;
        for (let cut = text.indexOf("\n\n"); cut >= 0 && !settled; cut = text.indexOf("\n\n")) {
          frame(text.slice(0, cut));
          text = text.slice(cut + 2);
        }
      });
      res.on("end", () => finish());
      res.on("error", (err: NodeJS.ErrnoException) => finish(`response ${err.code ?? err.message}, ${where()}`));
    });
    const frame = (raw: string) => {
      const event = /^event: (.*)$/m.exec(raw)?.[1];
      if (event === "token") {
        if (result.tokens++ === 0) {
          result.ttftMs = performance.now() - t0;
          options.onFirstToken?.();
        }
      } else if (event === "tool_start") result.toolStarts++;
      else if (event === "tool_end") result.toolEnds++;
      else if (event === "end") {
        result.endStatus = String(data(raw).status);
        finish();
      } else if (event === "error") {
        const d = data(raw);
        finish(`error event: ${String(d.code)} (${String(d.message)})`);
      }
    };
    req.end(payload);
  });
}

function data(raw: string): Record<string, unknown> {
  const lines = raw.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart());
  try {
    return JSON.parse(lines.join("\n")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function problemTitle(body: string): string {
  try {
    const p = JSON.parse(body) as { title?: string; detail?: string };
    return [p.title, p.detail].filter(Boolean).join(": ").slice(0, 160) || body.slice(0, 160);
  } catch {
    return body.slice(0, 160);
  }
}
