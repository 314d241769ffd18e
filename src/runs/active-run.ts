import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { type BaseStore, Command, type StreamMode } from "@langchain/langgraph";
import type { Logger } from "pino";
import { type CheckpointSeen, LangGraphStreamMapper, STREAM_MODES, type StreamPart } from "../streaming/from-langgraph.js";
import type { RunEvent, RunStatus } from "../streaming/run-event.js";
import type { AnyGraph } from "./graph-registry.js";
import { IdleTimer } from "../idle-timer.js";
import { isDatabaseUnavailable } from "../db/database-unavailable.js";
import { ThreadloomSaver } from "../db/threadloom-saver.js";
import { classifyModelError, errorChain } from "../models/model-failure.js";
import type { ModelServers } from "../models/model-servers.js";
import { type GraphException, graphException, RunInternalError } from "./graph-exception.js";
import { type ModelCallEnd, ModelCallWatcher } from "./model-call-watcher.js";
import { CLAIM_CONFIG_KEY, ClaimLostError, type RunClaim } from "./run-claim.js";
import { RunChannel } from "./run-channel.js";
import { RunStopped, stopOutcome, type StopReason } from "./run-stop.js";
import { messagesKey } from "./messages-channel.js";
import { streamGraph } from "./graph-stream.js";

export interface RunInput {
  runId: string;
  threadId: string;
  /** The tenant the run belongs to: the providers its graph may call are this tenant's (see provider-registry). */
  tenantId?: string;
  /** The id the native client gave the thread, which its `start` and `end` events show. */
  clientThreadId?: string | null;
  /** The graph's id in the registry, for metrics. */
  graphId?: string;
  graph: AnyGraph;
  /** The user's message; none when the run continues from `checkpointId` as it is (regenerate). */
  message?: { id: string; content: string; metadata?: Record<string, unknown> };
  /** The human's answer to the graph's pending `interrupt()`: the run resumes it instead of taking a message. */
  resume?: unknown;
  /** The graph's input as the client gave it (`/api/chat`'s `input`), instead of a message: any graph's state. */
  graphInput?: Record<string, unknown>;
  checkpointId?: string;
  configurable?: Record<string, unknown>;
  /** LangGraph's runtime context for the run (the assistant's under the run's own). */
  context?: Record<string, unknown>;
  /** The store the graph gets (`config.store`, over the graph's own): its tenant's. */
  store?: BaseStore;
  /**
   * The worker and lease epoch the run was claimed under: every write it makes (checkpoints, the
   * mirror, its record, tools' side effects) is fenced by it. Without one nothing is fenced.
   */
  claim?: { workerId: number; leaseEpoch: number };
  /** Set for an Agent Server run: its graph input, stream modes and options, and where its raw output goes. */
  agent?: AgentRunOptions;
}

/** What an Agent Server run asks of the graph beyond a chat turn. */
export interface AgentRunOptions {
  /** The graph input as given, or a Command; null continues from the checkpoint. */
  input: unknown;
  /** LangGraph stream modes wanted besides the ones the run itself reads. */
  streamModes: readonly string[];
  /** Run with `streamEvents` (the `events` stream mode) rather than `stream`. */
  streamEvents: boolean;
  interruptBefore?: string[] | "*";
  interruptAfter?: string[] | "*";
  metadata?: Record<string, unknown>;
  recursionLimit?: number;
  tags?: string[];
  durability?: "sync" | "async" | "exit";
  /**
   * Stopped by shutdown, the run goes back to the queue for another process rather than ending:
   * nothing is saved of the reply in flight, and the next attempt continues from the last checkpoint.
   */
  retryOnShutdown?: boolean;
  /** Every part of the graph's stream, from every namespace. */
  onPart(part: { ns: string[]; mode: string; chunk: unknown }): void;
  /** Every streamEvents event other than the root's stream chunks (only with `streamEvents`). */
  onStreamEvent?(event: StreamEventLike): void;
}

interface StreamEventLike {
  event: string;
  run_id: string;
  data: { chunk?: unknown };
  tags?: string[];
  metadata?: Record<string, unknown>;
  name?: string;
}

export interface RunLimits {
  runTimeoutMs: number;
  modelIdleTimeoutMs: number;
}

/** How a run ended, handed to whoever records it (the run manager). */
export interface RunResult {
  status: RunStatus;
  /** `raised`: the graph's own exception, which the Agent Server API passes on (our message stays for native clients). */
  error?: { code: string; message: string; detail?: string; raised?: GraphException };
  /** The graph paused for a human decision (`interrupt()`): the thread waits to be resumed. */
  paused: boolean;
  /** Why the run was stopped early, if it was. */
  stopReason?: StopReason;
  ttftMs: number | null;
  latencyMs: number;
}

const INTERNAL_ERROR = "The run failed.";
/** How much of a graph's own refusal a client is shown. */
const MAX_SHOWN_CHARS = 1000;

/**
 * A graph's refusal of the config or context a run gave it: an error named `InvalidConfigError`
 * (any class; a graph never imports this service). Its message is shown to the client.
 */
function isConfigRefusal(err: unknown): err is Error {
  return err instanceof Error && err.name === "InvalidConfigError";
}

/** Runs our own handling of a streamed part: what it throws is ours, not the graph's. */
function ours(handle: () => void): void {
  try {
    handle();
  } catch (err) {
    throw new RunInternalError(err);
  }
}
const SAVED = " The reply so far was saved.";

/**
 * One run of a graph on a thread: streams the graph's output out as RunEvents, enforces the total and
 * model-idle timeouts, and when stopped early saves the reply streamed so far into the checkpoint.
 * It does not wait for listeners, and it does not know about HTTP.
 */
export class ActiveRun {
  readonly channel = new RunChannel();
  private readonly controller = new AbortController();
  private readonly mapper: LangGraphStreamMapper;
  /** Where the graph keeps its messages (see messages-channel); null for a graph without. */
  readonly messagesKey: string | null;
  private readonly started = performance.now();
  private firstToken: number | null = null;
  private readonly idle: IdleTimer;
  // The idle timeout runs only while a model call is in flight: a slow tool is not a silent model.
  private readonly watcher: ModelCallWatcher;
  /** The fencing token its writes carry; a refused write stops the run. */
  readonly claim: RunClaim | undefined;
  /**
   * Events held back until the user's message is durable: `start` and the echoed message say it was
   * received, so they wait for its checkpoint's commit (tokens streamed meanwhile wait behind them).
   */
  private held: RunEvent[] | null;

  constructor(
    readonly input: RunInput,
    private readonly limits: RunLimits,
    readonly logger: Logger,
    private readonly models?: ModelServers,
  ) {
    this.messagesKey = messagesKey(input.graph);
    this.mapper = new LangGraphStreamMapper(this.messagesKey);
    this.watcher = new ModelCallWatcher((inFlight) => (inFlight ? this.idle.start() : this.idle.stop()), models, (call) => this.recordCall(call));
    this.idle = new IdleTimer(limits.modelIdleTimeoutMs, () => this.stop("idle_timeout"));
    this.claim = input.claim && { runId: input.runId, ...input.claim, lost: () => this.stop("lease_lost") };
    this.held = (input.message || input.graphInput) && !input.agent ? [] : null;
  }

  get runId(): string {
    return this.input.runId;
  }

  get usage() {
    return this.mapper.usage;
  }

  stop(reason: StopReason): void {
    if (!this.controller.signal.aborted) this.controller.abort(new RunStopped(reason));
  }

  emit(event: RunEvent): void {
    if (this.held) this.held.push(event);
    else this.channel.emit(event);
  }

  /** Sends what was held: the message is durable. */
  private release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) this.channel.emit(event);
  }

  /** Streams the graph to the end (or until stopped) and returns how it went. Never throws. */
  async execute(): Promise<RunResult> {
    const { threadId, graph, message, agent } = this.input;
    const total = setTimeout(() => this.stop("timeout"), this.limits.runTimeoutMs);
    // Our own saver tells when the input is in a committed checkpoint's state; with any other, nothing is held.
    const saver = graph.checkpointer instanceof ThreadloomSaver ? graph.checkpointer : null;
    let unwatch: (() => void) | undefined;
    if (this.held && saver) unwatch = saver.watchInput(threadId, () => this.release());
    else this.release();
    let input: unknown = this.input.resume !== undefined ? new Command({ resume: this.input.resume }) : null;
    if (message) {
      input = { [this.messagesKey ?? "messages"]: [new HumanMessage({ id: message.id, content: message.content, additional_kwargs: message.metadata ? { metadata: message.metadata } : {} })] };
      this.emit({ type: "message", id: message.id, role: "user", content: message.content });
    }
    if (this.input.graphInput) input = this.input.graphInput;
    if (agent) input = agent.input;
    const config = {
      streamMode: [...new Set([...STREAM_MODES, ...(agent?.streamModes ?? [])])] as StreamMode[],
      configurable: {
        ...this.input.configurable, thread_id: threadId,
        ...(this.input.checkpointId ? { checkpoint_id: this.input.checkpointId } : {}),
        ...(agent ? { run_id: this.runId } : {}),
        ...this.claimConfig(),
      },
      ...(this.input.context ? { context: this.input.context } : {}),
      ...(this.input.store ? { store: this.input.store } : {}),
      signal: this.controller.signal,
      callbacks: [this.watcher],
      // An Agent Server run streams subgraphs too: the client's stream_subgraphs picks what it sees.
      ...(agent && {
        subgraphs: true, interruptBefore: agent.interruptBefore, interruptAfter: agent.interruptAfter,
        metadata: agent.metadata, tags: agent.tags, runId: this.runId, ...(agent.recursionLimit ? { recursionLimit: agent.recursionLimit } : {}),
        ...(agent.durability ? { durability: agent.durability } : {}),
      }),
    };
    try {
      // The graph validates its own input: an Agent Server run's is whatever the client sent.
      const parts = agent?.streamEvents ? this.eventParts(config) : streamGraph(graph, input, config);
      for await (const raw of parts) {
        this.idle.touch();
        const [ns, mode, chunk] = (agent ? raw : [[], ...(raw as StreamPart)]) as [string[], string, unknown];
        ours(() => {
          // Model tokens and custom writes come from inside nodes (a namespace), like a stream without subgraphs gives them.
          if (ns.length === 0 || mode === "messages" || mode === "custom") {
            for (const out of this.mapper.map([mode, chunk])) {
              if (out.type === "token" && this.firstToken === null) this.firstToken = performance.now();
              this.emit(out);
            }
          }
          agent?.onPart({ ns, mode, chunk });
        });
      }
      return this.result(this.mapper.interrupted ? "interrupted" : "success", undefined, this.mapper.interrupted);
    } catch (err) {
      return await this.fail(err);
    } finally {
      clearTimeout(total);
      this.idle.stop();
      unwatch?.();
      // LangGraph waits for its checkpoint writes before a stream ends, so still holding back means the
      // input was never committed (its write was refused, or the graph failed before it): nothing was
      // acknowledged, and the client hears only how the run ended.
      if (this.held) this.held = null;
    }
  }

  /** `graph.streamEvents` as stream parts: the root's chunks; every other event goes to `onStreamEvent`. */
  private async *eventParts(config: Record<string, unknown>): AsyncGenerator<unknown> {
    const agent = this.input.agent!;
    const events = this.input.graph.streamEvents(agent.input as never, { ...config, version: "v2" }) as unknown as AsyncIterable<StreamEventLike>;
    for await (const event of events) {
      if (event.event === "on_chain_stream" && event.run_id === this.runId) yield event.data.chunk;
      else ours(() => agent.onStreamEvent?.(event));
    }
  }

  /** What carries the run's claim to the checkpointer and to tools (see run-claim). */
  private claimConfig(): Record<string, unknown> {
    return this.claim ? { [CLAIM_CONFIG_KEY]: this.claim } : {};
  }

  /** What the run was given (a message, or a graph input), for the title of a thread that keeps no messages. */
  get givenInput(): unknown {
    return this.input.agent ? this.input.agent.input : (this.input.graphInput ?? this.input.message?.content ?? null);
  }

  /** Where each message of the run first appeared (messages from before the run keep their own). */
  get messageCheckpoints(): ReadonlyMap<string, string> {
    return this.mapper.firstSeen;
  }

  /** The final checkpoint when the run ended by itself: its id and messages, as the stream saw them. */
  get finalCheckpoint(): CheckpointSeen | null {
    return this.mapper.checkpoint;
  }

  private async fail(err: unknown): Promise<RunResult> {
    // A graph that could not read or write its state (not a model call that failed): as if stopped for it.
    if (!this.controller.signal.aborted && !this.watcher.lastFailure && isDatabaseUnavailable(err)) this.stop("database_unavailable");
    const reason = this.controller.signal.reason;
    if (reason instanceof RunStopped) {
      const outcome = stopOutcome(reason.reason);
      // Without the database the reply so far waits: whoever records the run saves it once it is back.
      const saveNow = reason.reason !== "rollback" && reason.reason !== "database_unavailable" && !this.retriesAfter(reason.reason);
      if (saveNow) await this.savePartial(outcome.messageStatus);
      return { ...this.result(outcome.status, outcome.error), stopReason: reason.reason };
    }
    const failed = this.watcher.lastFailure;
    if (!failed && !this.watcher.inFlight) {
      this.logger.warn({ err, runId: this.runId }, "run failed");
      const saved = await this.savePartial("error");
      const cause = err instanceof RunInternalError ? err.cause : err;
      const detail = this.redact(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
      // The graph refused the run's config or context: its own words say which value, and are meant to be shown.
      if (isConfigRefusal(cause)) return this.result("error", { code: "invalid_config", message: this.redact(cause.message.slice(0, MAX_SHOWN_CHARS)), detail });
      const raised = graphException(err);
      return this.result("error", {
        code: "internal", message: INTERNAL_ERROR + (saved ? SAVED : ""), detail,
        ...(raised && { raised: { name: raised.name, message: this.redact(raised.message) } }),
      });
    }
    // The model's error, not the graph's rethrow of it; the provider's text goes to the log only, keys masked.
    const error = failed ? failed.error : err;
    const target = failed?.target ?? this.watcher.lastTarget;
    const failure = classifyModelError(error, target);
    const detail = this.redact(errorChain(error));
    this.logger.warn({ code: failure.code, modelServer: target.origin, model: target.model, cause: detail }, "model call failed");
    const saved = await this.savePartial("error");
    return this.result("error", { code: failure.code, message: failure.message + (saved ? SAVED : ""), detail });
  }

  /** What /api/status says of the server: a stop of ours says nothing about it, unless it was its silence. */
  private recordCall(call: ModelCallEnd): void {
    if (!call.target.server || !this.models) return;
    const stopped = this.controller.signal.reason;
    let outcome: { ok: boolean; code?: string };
    if (stopped instanceof RunStopped) {
      if (stopped.reason !== "idle_timeout" && stopped.reason !== "timeout") return;
      outcome = { ok: false, code: stopped.reason };
    } else {
      outcome = call.error === undefined ? { ok: true } : { ok: false, code: classifyModelError(call.error).code };
    }
    this.models.record(call.target.server, { ...outcome, latencyMs: call.latencyMs });
  }

  private redact(text: string): string {
    return this.models ? this.models.redact(text) : text;
  }

  /** Whether stopping for `reason` hands the run to another attempt instead of ending it. */
  retriesAfter(reason: StopReason | undefined): boolean {
    return reason === "shutdown" && Boolean(this.input.agent?.retryOnShutdown);
  }

  /**
   * An aborted or failed model call leaves the streamed reply in no checkpoint. Writing it as the
   * node's output keeps it, and lets the next turn's model see it.
   */
  async savePartial(status: "partial" | "error"): Promise<boolean> {
    const partial = this.mapper.partial();
    if (!partial) return false;
    const reply = new AIMessage({ id: partial.messageId, content: partial.text, response_metadata: { threadloom_status: status } });
    try {
      // On top of the run's last checkpoint: a stopped graph's stream ends before its writes have.
      const { checkpointer } = this.input.graph;
      if (checkpointer instanceof ThreadloomSaver) await checkpointer.writesDone(this.input.threadId);
      await this.input.graph.updateState({ configurable: { thread_id: this.input.threadId, ...this.claimConfig() } }, { [this.messagesKey ?? "messages"]: [reply] }, partial.node || undefined);
      this.emit({ type: "message", id: reply.id!, role: "assistant", content: partial.text });
      return true;
    } catch (err) {
      if (err instanceof ClaimLostError) this.logger.warn({ runId: this.runId }, "the partial reply was not saved: the run no longer holds its claim");
      else this.logger.error({ err, runId: this.runId }, "could not save the partial reply");
      return false;
    }
  }

  private result(status: RunStatus, error?: RunResult["error"], paused = false): RunResult {
    return {
      status,
      error,
      paused,
      ttftMs: this.firstToken === null ? null : Math.round(this.firstToken - this.started),
      latencyMs: Math.round(performance.now() - this.started),
    };
  }
}
