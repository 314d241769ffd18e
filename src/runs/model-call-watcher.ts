import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { ModelCallTarget } from "../models/model-failure.js";
import { OPENAI_DEFAULT_BASE_URL, urlOrigin, type ModelServer } from "../models/model-server.js";
import type { ModelServers } from "../models/model-servers.js";

/** Where a model call went, as far as the chat model says: a server we know, or at least its origin. */
export interface CallTarget extends ModelCallTarget {
  server?: ModelServer;
}

/** A model call that ended; `error` is set when it failed. */
export interface ModelCallEnd {
  target: CallTarget;
  latencyMs: number;
  error?: unknown;
}

/**
 * Tells a run when a model call starts and ends, so the idle timeout covers only the model: a
 * slow tool is not a silent model. It has no per-token method, so tokens cost it nothing.
 */
export class ModelCallWatcher extends BaseCallbackHandler {
  name = "threadloom-model-call-watcher";
  // Its work is synchronous and tiny: run it in order, not in the background queue.
  awaitHandlers = true;
  /** The last model call to end, if it ended in an error: the run's failure is then the model's. */
  lastFailure: ModelCallEnd | undefined;
  /** Where the last model call to start went. */
  lastTarget: CallTarget = {};
  private readonly calls = new Map<string, { target: CallTarget; started: number }>();

  constructor(
    private readonly onChange: (inFlight: boolean) => void,
    private readonly models?: ModelServers,
    private readonly onEnd?: (call: ModelCallEnd) => void,
  ) {
    super();
  }

  get inFlight(): boolean {
    return this.calls.size > 0;
  }

  handleChatModelStart(llm: Serialized, _messages: unknown, runId: string): void {
    this.lastTarget = this.targetOf(llm);
    this.calls.set(runId, { target: this.lastTarget, started: performance.now() });
    this.lastFailure = undefined;
    this.onChange(true);
  }

  handleLLMEnd(_output: unknown, runId: string): void {
    this.done(runId);
  }

  handleLLMError(error: unknown, runId: string): void {
    this.done(runId, error);
  }

  private done(runId: string, error?: unknown): void {
    const call = this.calls.get(runId);
    this.calls.delete(runId);
    const end: ModelCallEnd = { target: call?.target ?? {}, latencyMs: call ? performance.now() - call.started : 0, ...(error !== undefined && { error }) };
    this.lastFailure = error !== undefined ? end : undefined;
    this.onChange(this.calls.size > 0);
    this.onEnd?.(end);
  }

  /** ChatOpenAI serializes its base URL (not its key); other chat models name no server we know. */
  private targetOf(llm: Serialized): CallTarget {
    const kwargs = ("kwargs" in llm ? llm.kwargs : undefined) as { model?: unknown; configuration?: { baseURL?: unknown } } | undefined;
    const model = typeof kwargs?.model === "string" ? kwargs.model : undefined;
    if (!llm.id?.includes("openai")) return { model };
    const baseURL = typeof kwargs?.configuration?.baseURL === "string" ? kwargs.configuration.baseURL : undefined;
    const server = this.models?.find(baseURL);
    return { server, origin: server?.origin ?? urlOrigin(baseURL ?? OPENAI_DEFAULT_BASE_URL), model };
  }
}
