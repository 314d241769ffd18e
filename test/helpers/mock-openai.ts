/**
 * A scriptable OpenAI-compatible model for tests and benchmarks: a real HTTP server speaking the same
 * wire format as the demo model, plus failure modes (HTTP errors, dropped and stalled streams).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { words } from "./live-chat.js";
import {
  completionResponse, embeddingResponse, sendError, sendJson, splitWords, startWireServer, wordHashEmbedding, writeStream, type ModelReply,
} from "../../graphs/lib/openai-wire.js";

export interface MockReply {
  text?: string;
  tokens?: string[];
  toolCalls?: { id?: string; name: string; args: Record<string, unknown> }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
  tokenDelayMs?: number;
  firstTokenDelayMs?: number;
  /** Answer with this status and an OpenAI error body instead of a completion. */
  httpStatus?: number;
  /** The error body's message with `httpStatus` (a server may quote what it was sent, as some proxies do). */
  errorMessage?: string;
  /** The error body's `code` with `httpStatus`, e.g. "insufficient_quota". */
  errorCode?: string;
  /** After N text tokens, destroy the socket (a mid-stream failure). */
  failAfterTokens?: number;
  /** After N text tokens, send nothing more but hold the connection until the client or server ends it. */
  stallAfterTokens?: number;
}

export interface MockRequest {
  body: any;
  messages: any[];
  tools: any[];
  index: number;
  headers: Record<string, string | string[] | undefined>;
}

export type MockScript = MockReply | MockReply[] | ((req: MockRequest) => MockReply);

/** How `/v1/embeddings` answers: word-overlap vectors (see wordHashEmbedding), of `dims`, or an error. */
export interface MockEmbeddings {
  /** Dimensions of every vector (default: the request's `dimensions`, else 1536). */
  dims?: number;
  /** Answer with this status and an OpenAI error body instead. */
  httpStatus?: number;
}

/** How the server as a whole behaves (a provider's test route meets each of these). */
export interface MockServerOptions {
  /** Requests must carry `Authorization: Bearer <apiKey>`; others get a 401 saying `unauthorizedMessage`. */
  apiKey?: string;
  /** The 401's error message (default: OpenAI's wording). */
  unauthorizedMessage?: string;
  /** What `GET /v1/models` lists (default: the mock model); a completion for another model gets a 404. */
  models?: string[];
  /** Every request is answered with a 302 to this URL. */
  redirectTo?: string;
  /** Every request waits this long before it is answered. */
  delayMs?: number;
}

export interface MockOpenAI {
  baseURL: string;
  requests: MockRequest[];
  /** Every `/v1/embeddings` request: its model and texts. */
  embeddingRequests: { model?: string; input: string[] }[];
  script(s: MockScript): void;
  scriptEmbeddings(e: MockEmbeddings): void;
  close(): Promise<void>;
}

export const MOCK_MODEL_NAME = "mock-model";

// Array scripts count requests from the moment the script was set.
function pick(script: MockScript, req: MockRequest, since: number): MockReply {
  if (typeof script === "function") return script(req);
  if (Array.isArray(script)) return script[Math.min(req.index - since, script.length - 1)] ?? { text: "mock reply" };
  return script;
}

function toModelReply(reply: MockReply, index: number): ModelReply {
  return {
    tokens: reply.tokens ?? (reply.text !== undefined ? splitWords(reply.text) : []),
    toolCalls: reply.toolCalls?.map((c, i) => ({ id: c.id ?? `call_mock_${index}_${i}`, name: c.name, args: c.args })),
    usage: reply.usage,
  };
}

/** Answers what the server options decide (a redirect, a refusal, the model list), or returns false. */
function serverGate(options: MockServerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if (options.delayMs) await sleep(options.delayMs);
    if (res.destroyed) return true;
    if (options.redirectTo !== undefined) {
      res.writeHead(302, { location: options.redirectTo, "content-type": "text/plain" }).end(`see ${options.redirectTo}`);
      return true;
    }
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      sendError(res, 401, options.unauthorizedMessage ?? "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
      return true;
    }
    const path = (req.url ?? "").split("?")[0]!.replace(/\/+$/, "");
    if (options.models && req.method === "GET" && path === "/v1/models") {
      sendJson(res, 200, { object: "list", data: options.models.map((id) => ({ id, object: "model", created: 0, owned_by: "mock" })) });
      return true;
    }
    return false;
  };
}

export async function startMockOpenAI(initial: MockScript = { text: "mock reply" }, options: MockServerOptions = {}): Promise<MockOpenAI> {
  let current = initial;
  let since = 0;
  const requests: MockRequest[] = [];
  const embeddingRequests: MockOpenAI["embeddingRequests"] = [];
  let embeddings: MockEmbeddings = {};
  const server = await startWireServer({
    model: MOCK_MODEL_NAME,
    intercept: serverGate(options),
    onCompletion: async (body, req, res) => {
      if (options.models && !options.models.includes(body.model as string)) {
        return sendError(res, 404, `The model \`${body.model}\` does not exist.`, "invalid_request_error", "model_not_found");
      }
      const request: MockRequest = {
        body, messages: body.messages, tools: body.tools ?? [], index: requests.length, headers: { ...req.headers },
      };
      requests.push(request);
      const reply = pick(current, request, since);
      if (reply.httpStatus !== undefined) {
        const message = reply.errorMessage ?? `mock error (HTTP ${reply.httpStatus})`;
        return sendError(res, reply.httpStatus, message, reply.httpStatus >= 500 ? "server_error" : "invalid_request_error", reply.errorCode);
      }
      const modelReply = toModelReply(reply, request.index);
      if (!body.stream) return sendJson(res, 200, completionResponse(body, modelReply, MOCK_MODEL_NAME));
      const stopAfterTokens = reply.failAfterTokens ?? reply.stallAfterTokens;
      const outcome = await writeStream(res, body, modelReply, MOCK_MODEL_NAME, {
        tokenDelayMs: reply.tokenDelayMs ?? 0, firstTokenDelayMs: reply.firstTokenDelayMs, stopAfterTokens,
      });
      // A stall needs no action: the open response is ended by the client leaving or by close().
      if (outcome !== "stopped" || reply.failAfterTokens === undefined) return;
      // Let the tokens reach the client first: an errored body stream drops chunks it had not yet handed out.
      await new Promise<void>((resolve) => res.write("", () => resolve()));
      await sleep(10);
      res.socket?.destroy();
    },
    onEmbeddings: async (body, _req, res) => {
      embeddingRequests.push({ model: body.model, input: body.input });
      if (embeddings.httpStatus !== undefined) return sendError(res, embeddings.httpStatus, `mock embedding error (HTTP ${embeddings.httpStatus})`);
      const dims = embeddings.dims ?? body.dimensions;
      sendJson(res, 200, embeddingResponse(body, body.input.map((text) => wordHashEmbedding(text, dims)), body.model ?? MOCK_MODEL_NAME));
    },
  });
  return {
    baseURL: server.baseURL,
    requests,
    embeddingRequests,
    script: (s) => { current = s; since = requests.length; },
    scriptEmbeddings: (e) => { embeddings = e; },
    close: server.close,
  };
}

/**
 * A tool call (the calculator), then a streamed answer of `answerWords` words: each turn writes
 * checkpoints while it still has work to do, which crash and outage tests need.
 */
export function toolThenAnswer(answerWords: number, tokenDelayMs = 25): (req: MockRequest) => MockReply {
  return (req) =>
    req.messages.at(-1)?.role === "tool"
      ? { text: words(answerWords), tokenDelayMs }
      : { text: words(6), tokenDelayMs, toolCalls: [{ name: "calculator", args: { expression: "6 * 7" } }] };
}
