/**
 * The OpenAI chat-completions wire format, shared by the offline demo model and the test mock,
 * so both speak exactly what ChatOpenAI (via the openai SDK) parses.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

export interface ReplyToolCall { id: string; name: string; args: Record<string, unknown> }
export interface ReplyUsage { prompt_tokens: number; completion_tokens: number }
export interface ModelReply { tokens: string[]; toolCalls?: ReplyToolCall[]; usage?: ReplyUsage }
/** The request fields these servers act on; the rest of the body is accepted and ignored. */
export interface ChatRequest { model?: string; messages: any[]; tools?: any[]; stream?: boolean; stream_options?: { include_usage?: boolean } | null }
/** A frame of a streamed reply; `kind` lets writers count text tokens (mid-stream failure tests). */
export interface StreamFrame { kind: "role" | "token" | "tool" | "finish" | "usage"; data: object }
export type CompletionHandler = (body: ChatRequest, req: IncomingMessage, res: ServerResponse) => Promise<void>;
/** The fields of `POST /v1/embeddings` these servers act on; `input` as one text or several. */
export interface EmbeddingRequest { model?: string; input: string[]; dimensions?: number; encoding_format?: string }
export type EmbeddingHandler = (body: EmbeddingRequest, req: IncomingMessage, res: ServerResponse) => Promise<void>;
export interface WireServer { baseURL: string; close(): Promise<void> }
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Word plus its following whitespace, so the tokens concatenate back to the text exactly. */
export function splitWords(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}

/** Message content may be a string or an array of `{type: "text", text}` parts. */
export function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (p?.type === "text" && typeof p.text === "string" ? p.text : "")).join("");
}

/** Small fragments so clients exercise their argument-accumulation path, as with real models. */
export function argumentFragments(args: Record<string, unknown>): string[] {
  const json = JSON.stringify(args);
  return json.match(/[\s\S]{1,16}/g) ?? [json];
}

export function replyUsage(request: ChatRequest, reply: ModelReply) {
  const promptWords = request.messages.reduce((n, m) => n + splitWords(messageText(m?.content).trim()).length, 0);
  const argTokens = (reply.toolCalls ?? []).reduce((n, c) => n + argumentFragments(c.args).length, 0);
  const u = reply.usage ?? { prompt_tokens: promptWords, completion_tokens: reply.tokens.length + argTokens };
  return { ...u, total_tokens: u.prompt_tokens + u.completion_tokens };
}

const finishReason = (reply: ModelReply) => (reply.toolCalls?.length ? "tool_calls" : "stop");

export function completionResponse(request: ChatRequest, reply: ModelReply, model: string) {
  const toolCalls = reply.toolCalls?.length ? reply.toolCalls.map((c) => ({
    id: c.id, type: "function", function: { name: c.name, arguments: JSON.stringify(c.args) },
  })) : undefined;
  const content = reply.tokens.join("");
  const message = { role: "assistant", content: content || (toolCalls ? null : ""), refusal: null, ...(toolCalls && { tool_calls: toolCalls }) };
  return {
    id: `chatcmpl-${randomUUID()}`, object: "chat.completion", created: Math.floor(Date.now() / 1000), model,
    choices: [{ index: 0, message, finish_reason: finishReason(reply), logprobs: null }],
    usage: replyUsage(request, reply),
  };
}

export function streamFrames(request: ChatRequest, reply: ModelReply, model: string): StreamFrame[] {
  const base = { id: `chatcmpl-${randomUUID()}`, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model };
  const chunk = (delta: object, finish: string | null = null) =>
    ({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  const frames: StreamFrame[] = [{ kind: "role", data: chunk({ role: "assistant", content: "" }) }];
  for (const token of reply.tokens) frames.push({ kind: "token", data: chunk({ content: token }) });
  (reply.toolCalls ?? []).forEach((c, index) => {
    frames.push({ kind: "tool", data: chunk({ tool_calls: [{ index, id: c.id, type: "function", function: { name: c.name, arguments: "" } }] }) });
    for (const arg of argumentFragments(c.args)) frames.push({ kind: "tool", data: chunk({ tool_calls: [{ index, function: { arguments: arg } }] }) });
  });
  frames.push({ kind: "finish", data: chunk({}, finishReason(reply)) });
  if (request.stream_options?.include_usage) {
    frames.push({ kind: "usage", data: { ...base, choices: [], usage: replyUsage(request, reply) } });
  }
  return frames;
}

export interface StreamOptions { tokenDelayMs?: number; firstTokenDelayMs?: number; stopAfterTokens?: number; signal?: AbortSignal }

/**
 * Writes a reply as SSE with pauses between chunks. Resolves "stopped" once `stopAfterTokens` text
 * tokens are out (response left open, so the caller decides to fail or stall), "closed" if the client left.
 */
export async function writeStream(res: ServerResponse, request: ChatRequest, reply: ModelReply, model: string, opts: StreamOptions = {}): Promise<"done" | "stopped" | "closed"> {
  const gone = new AbortController();
  res.on("close", () => gone.abort());
  res.on("error", () => gone.abort());
  const signal = opts.signal ? AbortSignal.any([gone.signal, opts.signal]) : gone.signal;
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  let tokens = 0;
  for (const [i, frame] of streamFrames(request, reply, model).entries()) {
    const delay = i === 1 ? (opts.firstTokenDelayMs ?? opts.tokenDelayMs ?? 0) : frame.kind === "token" || frame.kind === "tool" ? (opts.tokenDelayMs ?? 0) : 0;
    if (delay > 0) await sleep(delay, undefined, { signal }).catch(() => undefined);
    if (signal.aborted || res.destroyed) return "closed";
    if (i > 0 && tokens === opts.stopAfterTokens) return "stopped";
    res.write(`data: ${JSON.stringify(frame.data)}\n\n`);
    if (frame.kind === "token") tokens++;
  }
  res.end("data: [DONE]\n\n");
  return "done";
}

export const sendJson = (res: ServerResponse, status: number, body: unknown): void =>
  void res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));

export const sendError = (res: ServerResponse, status: number, message: string, type = "invalid_request_error", code: string | null = null): void =>
  sendJson(res, status, { error: { message, type, param: null, code } });

/** How many dimensions OpenAI's embedding models answer with when a request names none. */
export const DEFAULT_EMBEDDING_DIMS = 1536;

/**
 * A deterministic stand-in for an embedding model: each word (lower-cased letters and digits) adds
 * one at a place its hash picks, and the vector is normalised, so texts that share words are near
 * (cosine similarity) and texts that share none are orthogonal. A text without words is a vector of
 * its own, never zero (a zero vector has no direction to compare).
 */
export function wordHashEmbedding(text: string, dims = DEFAULT_EMBEDDING_DIMS): number[] {
  const vector = new Array<number>(dims).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) vector[fnv1a(word) % dims]! += 1;
  if (words.length === 0) vector[0] = 1;
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return vector.map((x) => x / norm);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/**
 * An embeddings answer as OpenAI gives it, one vector per input, in order: floats, or with
 * `encoding_format: "base64"` (what OpenAI's own client asks for) little-endian float32s in base64.
 */
export function embeddingResponse(body: EmbeddingRequest, vectors: number[][], model: string) {
  const tokens = body.input.reduce((n, text) => n + splitWords(text.trim()).length, 0);
  const encode = (v: number[]) => (body.encoding_format === "base64" ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v);
  return {
    object: "list", model,
    data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding: encode(embedding) })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

class BodyError extends Error { constructor(readonly status: number, message: string) { super(message); } }

/** Capped so a runaway client cannot make the demo model buffer without limit. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    if ((size += part.length) > MAX_BODY_BYTES) throw new BodyError(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`);
    parts.push(part);
  }
  try { return JSON.parse(Buffer.concat(parts).toString("utf8")); } catch { throw new BodyError(400, "Request body is not valid JSON"); }
}

/** Routes the OpenAI endpoints on 127.0.0.1; `close()` also ends stalled streams so it returns. */
export async function startWireServer(opts: {
  model: string; port?: number; onCompletion: CompletionHandler; onEmbeddings?: EmbeddingHandler;
  /** Sees every request first and answers it itself when it returns true (a test server's refusals and delays). */
  intercept?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}): Promise<WireServer> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? "").split("?")[0].replace(/\/+$/, "");
    try {
      if (opts.intercept && (await opts.intercept(req, res))) return;
      if (req.method === "GET" && path === "/v1/models") {
        return sendJson(res, 200, { object: "list", data: [{ id: opts.model, object: "model", created: 0, owned_by: "threadloom" }] });
      }
      if (req.method === "POST" && path === "/v1/embeddings" && opts.onEmbeddings) {
        const body = (await readJson(req)) as { model?: string; input?: unknown; dimensions?: number; encoding_format?: string } | null;
        const input = typeof body?.input === "string" ? [body.input] : body?.input;
        if (!Array.isArray(input) || input.length === 0 || !input.every((t) => typeof t === "string")) return sendError(res, 400, "'input' must be a string or a non-empty array of strings");
        return await opts.onEmbeddings({ model: body!.model, input, dimensions: body!.dimensions, encoding_format: body!.encoding_format }, req, res);
      }
      if (req.method !== "POST" || path !== "/v1/chat/completions") return sendError(res, 404, `No route for ${req.method} ${path}`);
      const body = (await readJson(req)) as ChatRequest;
      if (!body || typeof body !== "object" || !Array.isArray(body.messages)) return sendError(res, 400, "'messages' must be an array");
      await opts.onCompletion(body, req, res);
    } catch (err) {
      if (res.headersSent) res.destroy();
      else if (err instanceof BodyError) sendError(res, err.status, err.message);
      else sendError(res, 500, err instanceof Error ? err.message : String(err), "server_error");
    }
  });
  // Longer than any client keeps an idle connection (undici: 4 s): a connection it reuses is never one
  // this server is closing at that moment ("other side closed"; Node's default is 5 s).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => {
      // Idempotent: tests may close in both the test body and afterEach.
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
