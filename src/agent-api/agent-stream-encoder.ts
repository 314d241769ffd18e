import { BaseMessage, BaseMessageChunk } from "@langchain/core/messages";
import { isCheckpointEnvelope } from "@langchain/langgraph";
import { wireJsonText } from "./wire-json.js";
import { wireMessageText } from "./wire-message-text.js";
import { wireValuesText } from "./wire-values.js";

/** The `stream_mode` values an Agent Server client may ask for. */
export type AgentStreamMode = "values" | "updates" | "messages" | "messages-tuple" | "custom" | "events" | "debug" | "tasks" | "checkpoints" | "tools";

/** One part of `graph.stream(input, { streamMode, subgraphs: true })`: `[ns, mode, chunk]`. */
export interface StreamPart {
  ns: string[];
  mode: string;
  chunk: unknown;
}

/** One SSE event of the Agent Server's run stream; `data` is single-line JSON text. */
export interface AgentStreamEvent {
  event: string;
  data: string;
}

/** One event of `graph.streamEvents(..., { version: "v2" })`, as far as the encoder reads it. */
export interface StreamEventV2 {
  event: string;
  run_id?: string;
  tags?: string[];
  data?: unknown;
  metadata?: Record<string, unknown>;
  name?: string;
}

/**
 * The LangGraph stream modes a run must request so that `requested` can be served: messages-tuple
 * is LangGraph's `messages`; legacy `messages` needs `messages` (so models stream) and `values`
 * (for messages/complete); `events` comes from streamEvents itself.
 */
export function libStreamModes(requested: readonly AgentStreamMode[]): string[] {
  const modes = new Set<string>();
  for (const mode of requested) {
    if (mode === "messages-tuple") modes.add("messages");
    else if (mode === "messages") modes.add("messages").add("values");
    else if (mode !== "events") modes.add(mode);
  }
  return [...modes];
}

// Modes LangGraph feeds through callbacks and the writer, which a subgraph inherits: they reach the
// root's stream from any depth even when the run does not stream subgraphs.
const INHERITED_MODES = new Set(["messages", "custom"]);

/**
 * Turns the output of a LangGraph.js run into the Agent Server's SSE events, framed as
 * `@langchain/langgraph-api` (`streamState` in stream.mts) frames them. The run always streams
 * subgraphs; the encoder hides what a run without them would not have shown.
 */
export class AgentStreamEncoder {
  private readonly requested: ReadonlySet<string>;
  private readonly subgraphs: boolean;
  private rootRunId: string | undefined;
  // The JS server takes legacy partials from on_chat_model_stream; once the caller feeds
  // streamEvents, `messages` parts would repeat them.
  private viaEvents = false;
  private readonly partials = new Map<string, BaseMessageChunk>();
  private readonly completed = new Set<string>();

  constructor(options: { streamMode: readonly AgentStreamMode[]; subgraphs: boolean }) {
    this.requested = new Set(options.streamMode);
    this.subgraphs = options.subgraphs;
  }

  metadata(runId: string, attempt: number): AgentStreamEvent {
    this.rootRunId = runId;
    return encode("metadata", { run_id: runId, attempt });
  }

  part({ ns, mode, chunk }: StreamPart): AgentStreamEvent[] {
    // What a run without subgraphs would have streamed too.
    const atRoot = ns.length === 0 || INHERITED_MODES.has(mode);
    if (!this.subgraphs && !atRoot) return [];
    const events = this.modeEvents(ns, mode, chunk);
    if (!this.requested.has("messages")) return events;
    if (mode === "messages") {
      if (this.viaEvents) return events;
      const [message, { tags, name: _name, ...metadata } = {}] = chunk as [unknown, Record<string, unknown> | undefined];
      // LangGraph already drops nostream models; the check is for chunks that say so anyway. The
      // tags and name LangGraph adds are not in the metadata the JS server reports.
      return Array.isArray(tags) && tags.includes("nostream") ? events : [...events, ...this.partial(message, metadata)];
    }
    // Completed messages come from the root's own chunks, with or without subgraphs. (The JS server
    // means that too, but with subgraphs reads `[ns, mode]` as `[mode, chunk]` and finds none.)
    return atRoot ? [...events, ...this.complete(chunk)] : events;
  }

  streamEvent(event: StreamEventV2): AgentStreamEvent[] {
    this.viaEvents = true;
    // The root's on_chain_start comes first, should metadata() not have named the run.
    this.rootRunId ??= event.run_id;
    if (event.tags?.includes("langsmith:hidden")) return [];
    const events: AgentStreamEvent[] = [];
    // The root's on_chain_stream chunks reach part() instead.
    const rootChunk = event.event === "on_chain_stream" && event.run_id === this.rootRunId;
    if (!rootChunk && this.requested.has("events")) events.push(encode("events", event));
    if (this.requested.has("messages") && event.event === "on_chat_model_stream" && !event.tags?.includes("nostream")) {
      events.push(...this.partial((event.data as { chunk?: unknown } | undefined)?.chunk, event.metadata));
    }
    return events;
  }

  /** The `error` event; the caller decides what an error may tell the client. */
  error(err: unknown): AgentStreamEvent {
    if (err instanceof Error) return encode("error", { error: err.name, message: err.message });
    let message: string | undefined;
    try {
      message = JSON.stringify(err);
    } catch {
      message = String(err);
    }
    return encode("error", { error: "Error", message });
  }

  private modeEvents(ns: string[], mode: string, chunk: unknown): AgentStreamEvent[] {
    const name = this.subgraphs && ns.length > 0 ? `${mode}|${ns.join("|")}` : mode;
    if (mode === "checkpoints" && isCheckpointEnvelope(chunk)) {
      // LangGraph sends these light envelopes to streamEvents with subgraphs (and so to the JS
      // server only then); it forwards them unless the client asked for full checkpoints.
      return this.subgraphs && !this.requested.has("checkpoints") ? [encode(name, chunk)] : [];
    }
    if (mode === "messages") return this.requested.has("messages-tuple") ? [{ event: name, data: this.tupleText(chunk) }] : [];
    if (!this.requested.has(mode)) return [];
    // A state's messages were mostly written before (see WireValues); other events, tokens among them, once.
    const data = modeData(mode, chunk);
    return [STATE_MODES.has(mode) ? { event: name, data: wireValuesText(data) } : encode(name, data)];
  }

  /**
   * `[message, metadata]` as encode writes it. LangGraph gives every token of a model call the same
   * metadata object (20-odd keys), so its text is built once for all of them (see wireMessageText).
   */
  private tupleText(chunk: unknown): string {
    if (!Array.isArray(chunk) || chunk.length !== 2 || typeof chunk[1] !== "object" || chunk[1] === null || Array.isArray(chunk[1])) return wireJsonText(chunk);
    return `[${wireJsonText(chunk[0])},${wireMessageText(chunk[1] as object)}]`;
  }

  /** messages/metadata for a message's first chunk, then messages/partial with all its chunks so far. */
  private partial(message: unknown, metadata: unknown): AgentStreamEvent[] {
    // Whole messages (a node's output) are not streamed tokens; they come in messages/complete.
    if (!BaseMessageChunk.isInstance(message) || !message.id) return [];
    const id = message.id;
    const sofar = this.partials.get(id);
    const merged = sofar ? sofar.concat(message) : message;
    this.partials.set(id, merged);
    const partial = encode("messages/partial", [merged]);
    return sofar ? [partial] : [encode("messages/metadata", { [id]: { metadata } }), partial];
  }

  /** messages/complete with the chunk's messages not completed before (a values chunk's, mostly). */
  private complete(chunk: unknown): AgentStreamEvent[] {
    if (typeof chunk !== "object" || chunk === null || !("messages" in chunk) || BaseMessage.isInstance(chunk)) return [];
    const fresh = [chunk.messages].flat().filter((m: unknown) => {
      const id = (m as { id?: unknown } | null)?.id;
      if (typeof id !== "string" || !id || this.completed.has(id)) return false;
      this.completed.add(id);
      return true;
    });
    return fresh.length > 0 ? [encode("messages/complete", fresh)] : [];
  }
}

// Modes whose events hold the thread's whole state, its message list, at every step: values and
// checkpoints; debug's checkpoints and tasks' (and debug's) task starts, whose input is the state.
const STATE_MODES = new Set(["values", "checkpoints", "debug", "tasks"]);

function encode(event: string, data: unknown): AgentStreamEvent {
  return { event, data: wireJsonText(data) };
}

function modeData(mode: string, chunk: unknown): unknown {
  switch (mode) {
    case "debug":
      return debugData(chunk);
    case "tasks":
      return taskData(chunk);
    case "checkpoints": {
      const { values, metadata, next } = chunk as { values?: unknown; metadata?: unknown; next?: unknown };
      return { values, metadata, next };
    }
    default:
      return chunk;
  }
}

type Configurable = { configurable: Record<string, unknown> } & Record<string, unknown>;

function hasConfigurable(config: unknown): config is Configurable {
  const configurable = (config as { configurable?: unknown } | null | undefined)?.configurable;
  return typeof configurable === "object" && configurable !== null;
}

function debugData(chunk: unknown): unknown {
  const debug = chunk as { type?: unknown; payload?: unknown } | null;
  if (debug?.type === "checkpoint") return { ...debug, payload: checkpointData(debug.payload as DebugCheckpoint) };
  if (debug?.type === "task_result") return { ...debug, payload: taskData(debug.payload) };
  return chunk;
}

interface DebugCheckpoint {
  config?: unknown;
  parentConfig?: unknown;
  tasks?: unknown[];
}

/** A debug checkpoint in the server's snake_case, with the checkpoints its configs point at. */
function checkpointData({ parentConfig, ...payload }: DebugCheckpoint): Record<string, unknown> {
  return {
    ...payload,
    checkpoint: checkpointOf(payload.config, false),
    parent_checkpoint: checkpointOf(parentConfig, false),
    tasks: (payload.tasks ?? []).map(taskData),
    config: publicConfig(payload.config),
    parent_config: publicConfig(parentConfig),
  };
}

/** A subgraph task's state is the config of its checkpoint; the server sends that checkpoint instead. */
function taskData(task: unknown): unknown {
  if (typeof task !== "object" || task === null) return task;
  const { state, ...rest } = task as { state?: unknown };
  const checkpoint = checkpointOf(state, true);
  return checkpoint ? { ...rest, checkpoint } : task;
}

/** The checkpoint a config names, or null; a task's config may leave out the checkpoint id. */
function checkpointOf(config: unknown, idOptional: boolean) {
  if (!hasConfigurable(config)) return null;
  const { thread_id, checkpoint_id, checkpoint_ns, checkpoint_map } = config.configurable;
  if (!thread_id || typeof thread_id !== "string") return null;
  if (typeof checkpoint_id !== "string" && !(idOptional && checkpoint_id == null)) return null;
  if (checkpoint_ns != null && typeof checkpoint_ns !== "string") return null;
  if (checkpoint_map != null && (typeof checkpoint_map !== "object" || Array.isArray(checkpoint_map))) return null;
  return {
    thread_id,
    checkpoint_id: idOptional ? checkpoint_id || null : checkpoint_id,
    checkpoint_ns: checkpoint_ns || "",
    checkpoint_map: checkpoint_map || null,
  };
}

/** A config without LangGraph's internals (`__pregel_*` keys hold streams and scratchpads) or callbacks. */
function publicConfig(config: unknown): unknown {
  if (!hasConfigurable(config)) return config;
  const { callbacks: _callbacks, ...rest } = config;
  const configurable = Object.fromEntries(Object.entries(config.configurable).filter(([key]) => !key.startsWith("__")));
  return { ...rest, configurable };
}
