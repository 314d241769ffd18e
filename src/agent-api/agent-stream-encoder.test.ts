import { AIMessage, AIMessageChunk, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { END, GraphRecursionError, interrupt, MemorySaver, MessagesAnnotation, START, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { describe, expect, it, vi } from "vitest";
import { AgentStreamEncoder, libStreamModes, type AgentStreamEvent, type AgentStreamMode, type StreamEventV2 } from "./agent-stream-encoder.js";
import { wireJsonText } from "./wire-json.js";

const RUN_ID = "1f0a0000-0000-6000-8000-000000000001";

/** agent (a model streaming "Hi there") -> fixed (returns a whole AIMessage) -> ask (interrupt()). */
function chatGraph() {
  const model = new FakeListChatModel({ responses: ["Hi there"] });
  return new StateGraph(MessagesAnnotation)
    .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode("fixed", () => ({ messages: [new AIMessage({ id: "fixed-1", content: "Noted." })] }))
    .addNode("ask", () => ({ messages: [new HumanMessage({ id: "h2", content: String(interrupt({ question: "approve?" })) })] }))
    .addEdge(START, "agent")
    .addEdge("agent", "fixed")
    .addEdge("fixed", "ask")
    .addEdge("ask", END)
    .compile({ checkpointer: new MemorySaver() });
}

/** top (writes custom, streams "ab") -> sub, a subgraph whose innerAgent writes custom and streams "cd". */
function nestedGraph() {
  const model = new FakeListChatModel({ responses: ["ab", "cd"] });
  const agent = (from: string) => async (state: typeof MessagesAnnotation.State, config: LangGraphRunnableConfig) => {
    config.writer?.({ from });
    return { messages: [await model.invoke(state.messages)] };
  };
  const sub = new StateGraph(MessagesAnnotation).addNode("innerAgent", agent("inner")).addEdge(START, "innerAgent").addEdge("innerAgent", END).compile();
  return new StateGraph(MessagesAnnotation)
    .addNode("top", agent("top"))
    .addNode("sub", sub)
    .addEdge(START, "top")
    .addEdge("top", "sub")
    .addEdge("sub", END)
    .compile({ checkpointer: new MemorySaver() });
}

interface Graph {
  stream(input: unknown, options: object): Promise<AsyncIterable<unknown>>;
  streamEvents(input: unknown, options: object): AsyncIterable<unknown>;
}

interface Seen {
  event: string;
  data: any;
}

const input = () => ({ messages: [new HumanMessage({ id: "h1", content: "hi" })] });

function decode(events: AgentStreamEvent[]): Seen[] {
  return events.map(({ event, data }) => {
    expect(data).not.toMatch(/[\r\n]/);
    return { event, data: JSON.parse(data) };
  });
}

/** The run as threadloom runs it: graph.stream with subgraphs, every part through the encoder. */
async function streamRun(graph: Graph, streamMode: AgentStreamMode[], subgraphs = false): Promise<Seen[]> {
  const encoder = new AgentStreamEncoder({ streamMode, subgraphs });
  const events = [encoder.metadata(RUN_ID, 1)];
  const parts = await graph.stream(input(), { streamMode: libStreamModes(streamMode), subgraphs: true, configurable: { thread_id: "t" } });
  for await (const [ns, mode, chunk] of parts as AsyncIterable<[string[], string, unknown]>) events.push(...encoder.part({ ns, mode, chunk }));
  return decode(events);
}

/** The run for the `events` mode: streamEvents, the root's on_chain_stream chunks as parts, every event as itself. */
async function eventsRun(graph: Graph, streamMode: AgentStreamMode[], subgraphs = false): Promise<Seen[]> {
  const encoder = new AgentStreamEncoder({ streamMode, subgraphs });
  const events = [encoder.metadata(RUN_ID, 1)];
  const options = { version: "v2", streamMode: libStreamModes(streamMode), subgraphs: true, runId: RUN_ID, configurable: { thread_id: "t" } };
  for await (const event of graph.streamEvents(input(), options) as AsyncIterable<StreamEventV2>) {
    if (event.event === "on_chain_stream" && event.run_id === RUN_ID) {
      const [ns, mode, chunk] = (event.data as { chunk: [string[], string, unknown] }).chunk;
      events.push(...encoder.part({ ns, mode, chunk }));
    }
    events.push(...encoder.streamEvent(event));
  }
  return decode(events);
}

/** Event names, runs of one name folded: ["values", "messages×8", …]. */
function names(events: Seen[]): string[] {
  const out: [string, number][] = [];
  for (const { event } of events) {
    const last = out.at(-1);
    if (last?.[0] === event) last[1]++;
    else out.push([event, 1]);
  }
  return out.map(([name, n]) => (n > 1 ? `${name}×${n}` : name));
}

describe("libStreamModes", () => {
  it("asks LangGraph for what the requested modes are made of", () => {
    expect(libStreamModes(["values", "messages-tuple"])).toEqual(["values", "messages"]);
    expect(libStreamModes(["messages"])).toEqual(["messages", "values"]);
    expect(libStreamModes(["events"])).toEqual([]);
    expect(libStreamModes(["updates", "custom", "debug", "tasks", "checkpoints", "events", "messages-tuple", "messages"])).toEqual([
      "updates", "custom", "debug", "tasks", "checkpoints", "messages", "values",
    ]);
  });
});

// The first `messages` event of the captured Agent Server stream (/work/shared/reference), trimmed:
// the shapes a client of `langgraphjs dev` reads.
const SAMPLE_TUPLE = JSON.parse(
  '[{"content":"S","tool_calls":[],"invalid_tool_calls":[],"tool_call_chunks":[],"additional_kwargs":{},"response_metadata":{},"id":"run-01a1fc73-9536-7199-bbbf-74c0ea325571","type":"ai"},' +
    '{"tags":[],"ls_integration":"langchain_chat_model","thread_id":"01a1fc73-8772-701c-b416-7b76292d33ba","langgraph_step":5,"langgraph_node":"agent","langgraph_triggers":["branch:to:agent"],"langgraph_path":["__pregel_pull","agent"],"langgraph_checkpoint_ns":"agent:9464d1d1-60cb-5a66-b01b-4fe32c9c5f08","checkpoint_ns":"agent:9464d1d1-60cb-5a66-b01b-4fe32c9c5f08","ls_model_type":"chat","ls_provider":"FakeListChatModel"}]',
) as [Record<string, unknown>, Record<string, unknown>];
const SAMPLE_HUMAN_KEYS = ["content", "additional_kwargs", "response_metadata", "id", "type"];
const INTERRUPT = /^\{"__interrupt__":\[\{"id":"[0-9a-f]{32}","value":\{"question":"approve\?"\}\}\]\}$/;

describe("AgentStreamEncoder", () => {
  it("opens with metadata", () => {
    expect(new AgentStreamEncoder({ streamMode: ["values"], subgraphs: false }).metadata("r1", 2)).toEqual({
      event: "metadata",
      data: '{"run_id":"r1","attempt":2}',
    });
  });

  // The sample stream's request: values and messages-tuple, ending in an interrupt.
  it("streams values and message tuples shaped like the Agent Server's, then the interrupt", async () => {
    const seen = await streamRun(chatGraph(), ["values", "messages-tuple"]);
    // The fixed node's whole AIMessage is a tuple too: LangGraph's messages mode repeats node outputs.
    expect(names(seen)).toEqual(["metadata", "values", "messages×8", "values", "messages", "values×2"]);
    const tuples = seen.filter((e) => e.event === "messages");
    expect(tuples.slice(0, 8).map((e) => e.data[0].content).join("")).toBe("Hi there");
    const [message, metadata] = tuples[0].data;
    expect(Object.keys(message)).toEqual(Object.keys(SAMPLE_TUPLE[0]));
    expect(message).toMatchObject({ type: "ai", content: "H", id: expect.stringMatching(/^run-/) });
    expect(Object.keys(metadata)).toEqual(expect.arrayContaining(Object.keys(SAMPLE_TUPLE[1])));
    expect(metadata).toMatchObject({ tags: [], langgraph_node: "agent", ls_provider: "FakeListChatModel", ls_model_type: "chat" });
    expect(tuples[8].data[0]).toEqual({ id: "fixed-1", content: "Noted.", tool_calls: [], invalid_tool_calls: [], additional_kwargs: {}, response_metadata: {}, type: "ai" });
    const human = seen[1].data.messages[0];
    expect(Object.keys(human).sort()).toEqual([...SAMPLE_HUMAN_KEYS].sort());
    expect(seen.at(-2)!.data.messages.map((m: { content: string; type: string }) => [m.type, m.content])).toEqual([["human", "hi"], ["ai", "Hi there"], ["ai", "Noted."]]);
    expect(JSON.stringify(seen.at(-1)!.data)).toMatch(INTERRUPT);
  });

  // Messages and a model call's metadata are written once and kept (wireMessageText): a field
  // reassigned since must show in the next event.
  it("writes each event as wireJsonText does, a message or metadata reassigned since as it now is", () => {
    const encoder = new AgentStreamEncoder({ streamMode: ["values", "messages-tuple"], subgraphs: false });
    const human = new HumanMessage({ id: "h1", content: "hi" });
    const reply = new AIMessage({ id: "a1", content: "first" });
    const state = { messages: [human, reply] };
    expect(encoder.part({ ns: [], mode: "values", chunk: state })).toEqual([{ event: "values", data: wireJsonText(state) }]);
    reply.content = "second";
    const [next] = encoder.part({ ns: [], mode: "values", chunk: { messages: [human, reply] } });
    expect(JSON.parse(next.data).messages.map((m: { content: string }) => m.content)).toEqual(["hi", "second"]);

    const metadata = { langgraph_node: "agent", tags: ["a"] };
    const token = new AIMessageChunk({ id: "c1", content: "to" });
    expect(encoder.part({ ns: [], mode: "messages", chunk: [token, metadata] })).toEqual([{ event: "messages", data: wireJsonText([token, metadata]) }]);
    metadata.langgraph_node = "tools";
    const [again] = encoder.part({ ns: [], mode: "messages", chunk: [new AIMessageChunk({ id: "c1", content: "ken" }), metadata] });
    expect(JSON.parse(again.data)).toEqual([expect.objectContaining({ id: "c1", content: "ken", type: "ai" }), { langgraph_node: "tools", tags: ["a"] }]);
  });

  // Every step of a long thread shows its whole message list again in these modes; each message's
  // text is built once and kept (wireMessageText), not serialized again at every step.
  it("builds each message of the state once in every mode whose events hold the state", () => {
    const stateOf = (messages: BaseMessage[]) => ({ messages });
    const chunks: Record<string, (messages: BaseMessage[]) => unknown> = {
      values: stateOf,
      checkpoints: (messages) => ({ values: stateOf(messages), metadata: { step: 1 }, next: ["agent"] }),
      tasks: (messages) => ({ id: "k", name: "agent", input: stateOf(messages), triggers: ["branch:to:agent"], interrupts: [] }),
      debug: (messages) => ({ step: 1, type: "checkpoint", timestamp: "T", payload: { config: {}, values: stateOf(messages), metadata: {}, next: [], tasks: [] } }),
    };
    const toJson = vi.spyOn(HumanMessage.prototype, "toJSON");
    try {
      for (const [mode, chunkOf] of Object.entries(chunks)) {
        const encoder = new AgentStreamEncoder({ streamMode: [mode as AgentStreamMode], subgraphs: false });
        const said = [new HumanMessage({ id: `${mode}-1`, content: "hi" }), new HumanMessage({ id: `${mode}-2`, content: "and then" })];
        toJson.mockClear();
        const first = encoder.part({ ns: [], mode, chunk: chunkOf(said.slice(0, 1)) });
        const second = encoder.part({ ns: [], mode, chunk: chunkOf(said) });
        expect(toJson.mock.calls.length, mode).toBe(2);
        expect(first[0].data, mode).toContain(`"messages":${wireJsonText(said.slice(0, 1))}`);
        expect(second[0].data, mode).toContain(`"messages":${wireJsonText(said)}`);
      }
    } finally {
      toJson.mockRestore();
    }
  });

  it("streams updates, the interrupt as its own update", async () => {
    const seen = await streamRun(chatGraph(), ["updates"]);
    expect(names(seen)).toEqual(["metadata", "updates×3"]);
    expect(seen[1].data).toEqual({ agent: { messages: [expect.objectContaining({ type: "ai", content: "Hi there" })] } });
    expect(seen[2].data).toEqual({ fixed: { messages: [expect.objectContaining({ type: "ai", id: "fixed-1" })] } });
    expect(JSON.stringify(seen[3].data)).toMatch(INTERRUPT);
  });

  // Legacy messages: metadata once per message, the chunks so far each time, whole messages once.
  it("streams legacy messages as metadata, growing partials and completed messages", async () => {
    const seen = await streamRun(chatGraph(), ["messages"]);
    expect(names(seen)).toEqual(["metadata", "messages/complete", "messages/metadata", "messages/partial×8", "messages/complete×2"]);
    expect(seen[1].data).toEqual([expect.objectContaining({ id: "h1", type: "human" })]);
    const id = seen[3].data[0].id as string;
    expect(Object.keys(seen[2].data)).toEqual([id]);
    // As the JS server reports it (streamEvents metadata): LangGraph's tags and name are not in it.
    expect(seen[2].data[id].metadata).toMatchObject({ langgraph_node: "agent", ls_provider: "FakeListChatModel" });
    expect(seen[2].data[id].metadata).not.toHaveProperty("tags");
    const partials = seen.filter((e) => e.event === "messages/partial").map((e) => e.data);
    expect(partials.map((p) => p.length)).toEqual(Array(8).fill(1));
    expect(partials.map((p) => p[0].content)).toEqual(["H", "Hi", "Hi ", "Hi t", "Hi th", "Hi the", "Hi ther", "Hi there"]);
    expect(partials.every((p) => p[0].id === id && p[0].type === "ai")).toBe(true);
    expect(seen.at(-2)!.data).toEqual([expect.objectContaining({ id, type: "ai", content: "Hi there" })]);
    expect(seen.at(-1)!.data).toEqual([expect.objectContaining({ id: "fixed-1", content: "Noted." })]);
  });

  // Debug checkpoints in snake_case with the checkpoints they name; LangGraph's internals removed.
  it("preprocesses debug checkpoints and task results as the Agent Server does", async () => {
    const seen = await streamRun(nestedGraph(), ["debug"], true);
    const checkpoints = seen.filter((e) => e.event.startsWith("debug") && e.data.type === "checkpoint");
    expect(checkpoints.length).toBeGreaterThan(3);
    for (const { data } of checkpoints) {
      expect(Object.keys(data)).toEqual(["step", "type", "timestamp", "payload"]);
      expect(data.payload).not.toHaveProperty("parentConfig");
      expect(data.payload.checkpoint).toEqual({
        thread_id: "t",
        checkpoint_ns: data.payload.config.configurable.checkpoint_ns,
        checkpoint_id: data.payload.config.configurable.checkpoint_id,
        checkpoint_map: data.payload.config.configurable.checkpoint_map ?? null,
      });
      for (const config of [data.payload.config, data.payload.parent_config ?? { configurable: {} }]) {
        expect(Object.keys(config.configurable).filter((k) => k.startsWith("__"))).toEqual([]);
        expect(config).not.toHaveProperty("callbacks");
      }
    }
    expect(checkpoints[0].data.payload.parent_checkpoint).toBeNull();
    expect(checkpoints[1].data.payload.parent_checkpoint).toEqual(checkpoints[0].data.payload.checkpoint);
    // Inside the subgraph the configs carry LangGraph's __pregel_* internals; they are gone.
    expect(checkpoints.some((e) => e.event.startsWith("debug|sub:") && e.data.payload.parent_config)).toBe(true);
    const subTask = checkpoints.flatMap((e) => e.data.payload.tasks).find((t: { name: string; checkpoint?: unknown }) => t.name === "sub" && t.checkpoint);
    expect(subTask).not.toHaveProperty("state");
    expect(subTask.checkpoint).toEqual({ thread_id: "t", checkpoint_ns: `sub:${subTask.id}`, checkpoint_id: null, checkpoint_map: null });
    expect(seen.some((e) => e.event === "debug" && e.data.type === "task_result" && e.data.payload.name === "top")).toBe(true);
  });

  it("rewrites a debug checkpoint byte for byte like the JS server", () => {
    const encoder = new AgentStreamEncoder({ streamMode: ["debug"], subgraphs: false });
    const payload = {
      config: { configurable: { thread_id: "t", checkpoint_ns: "", checkpoint_id: "c2", __pregel_task_id: "x" }, callbacks: [{}], tags: [] },
      parentConfig: { configurable: { thread_id: "t", checkpoint_ns: "", checkpoint_id: "c1" } },
      values: {},
      metadata: { step: 1 },
      next: ["sub"],
      tasks: [{ id: "k", name: "sub", interrupts: [], state: { configurable: { thread_id: "t", checkpoint_ns: "sub:k" } } }],
    };
    const [event] = encoder.part({ ns: [], mode: "debug", chunk: { step: 1, type: "checkpoint", timestamp: "T", payload } });
    expect(event).toEqual({
      event: "debug",
      data:
        '{"step":1,"type":"checkpoint","timestamp":"T","payload":{"config":{"configurable":{"thread_id":"t","checkpoint_ns":"","checkpoint_id":"c2"},"tags":[]},' +
        '"values":{},"metadata":{"step":1},"next":["sub"],"tasks":[{"id":"k","name":"sub","interrupts":[],"checkpoint":{"thread_id":"t","checkpoint_id":null,"checkpoint_ns":"sub:k","checkpoint_map":null}}],' +
        '"checkpoint":{"thread_id":"t","checkpoint_id":"c2","checkpoint_ns":"","checkpoint_map":null},"parent_checkpoint":{"thread_id":"t","checkpoint_id":"c1","checkpoint_ns":"","checkpoint_map":null},' +
        '"parent_config":{"configurable":{"thread_id":"t","checkpoint_ns":"","checkpoint_id":"c1"}}}}',
    });
  });

  it("streams checkpoints as values, metadata and next, and tasks as they come", async () => {
    const seen = await streamRun(chatGraph(), ["checkpoints", "tasks"]);
    const checkpoints = seen.filter((e) => e.event === "checkpoints");
    expect(checkpoints.length).toBe(4);
    for (const { data } of checkpoints) expect(Object.keys(data)).toEqual(["values", "metadata", "next"]);
    expect(checkpoints[0].data).toEqual({ values: { messages: [] }, metadata: expect.objectContaining({ source: "input", step: -1 }), next: ["__start__"] });
    expect(checkpoints.at(-1)!.data.next).toEqual(["ask"]);
    const tasks = seen.filter((e) => e.event === "tasks").map((e) => e.data);
    expect(tasks.find((t) => t.name === "agent" && "result" in t).result).toEqual({ messages: [expect.objectContaining({ content: "Hi there" })] });
    expect(tasks.find((t) => t.name === "ask" && t.interrupts?.length)?.interrupts[0].value).toEqual({ question: "approve?" });
  });

  // Custom writes reach the root from any depth; only with subgraphs do they say where from.
  it("streams custom writes, namespaced only with subgraphs", async () => {
    const flat = await streamRun(nestedGraph(), ["custom"]);
    expect(flat.slice(1)).toEqual([{ event: "custom", data: { from: "top" } }, { event: "custom", data: { from: "inner" } }]);
    const nested = await streamRun(nestedGraph(), ["custom"], true);
    expect(nested.slice(1).map((e) => e.event.replace(/:[0-9a-f-]{36}/g, ":*"))).toEqual(["custom", "custom|sub:*"]);
    expect(nested[2].data).toEqual({ from: "inner" });
  });

  it("names subgraph events with their namespace when asked, and hides the subgraph's own state otherwise", async () => {
    const nested = await streamRun(nestedGraph(), ["values", "messages-tuple"], true);
    expect(names(nested).map((n) => n.replace(/:[0-9a-f-]{36}/g, ":*"))).toEqual([
      "metadata", "values", "messages|top:*×2", "values", "values|sub:*", "messages|sub:*|innerAgent:*×2", "values|sub:*", "values",
    ]);
    // Without subgraphs: the root's values, and the model tokens from every depth, as LangGraph gives them.
    const flat = await streamRun(nestedGraph(), ["values", "messages-tuple"]);
    expect(names(flat)).toEqual(["metadata", "values", "messages×2", "values", "messages×2", "values"]);
    expect(flat.filter((e) => e.event === "messages").map((e) => e.data[0].content).join("")).toBe("abcd");
    expect(flat.at(-1)!.data.messages.map((m: { content: string }) => m.content)).toEqual(["hi", "ab", "cd"]);
  });

  // The events mode: every streamEvents event but the root's stream chunks, which are parts.
  it("streams streamEvents events, none hidden and no root chunk twice", async () => {
    const seen = await eventsRun(chatGraph(), ["events", "values"]);
    const events = seen.filter((e) => e.event === "events").map((e) => e.data);
    expect(events[0]).toMatchObject({ event: "on_chain_start", name: "LangGraph", run_id: RUN_ID });
    expect(events.some((e) => e.event === "on_chain_stream" && e.run_id === RUN_ID)).toBe(false);
    expect(events.some((e) => e.tags?.includes("langsmith:hidden"))).toBe(false);
    const tokens = events.filter((e) => e.event === "on_chat_model_stream");
    expect(tokens.map((e) => e.data.chunk.content).join("")).toBe("Hi there");
    expect(tokens[0].data.chunk).toMatchObject({ type: "ai", id: expect.stringMatching(/^run-/) });
    expect(events.find((e) => e.event === "on_chain_start" && e.name === "agent")?.data.input.messages[0]).toMatchObject({ type: "human", content: "hi" });
    expect(seen.filter((e) => e.event === "values").length).toBe(4);
    expect(seen.some((e) => e.event === "checkpoints")).toBe(false);
  });

  // With streamEvents LangGraph adds checkpoint envelopes; the JS server sees them only with subgraphs.
  it("forwards streamEvents' checkpoint envelopes only with subgraphs, as the JS server does", async () => {
    const nested = await eventsRun(nestedGraph(), ["values"], true);
    const envelopes = nested.filter((e) => e.event.startsWith("checkpoints"));
    expect(envelopes.map((e) => e.event.replace(/:[0-9a-f-]{36}/g, ":*"))).toEqual(["checkpoints", "checkpoints", "checkpoints|sub:*", "checkpoints|sub:*", "checkpoints"]);
    expect(envelopes[1].data).toEqual({ id: expect.any(String), parent_id: envelopes[0].data.id, step: 1, source: "loop" });
    const asked = await eventsRun(nestedGraph(), ["values", "checkpoints"], true);
    expect(asked.filter((e) => e.event.startsWith("checkpoints")).every((e) => "values" in e.data)).toBe(true);
  });

  // Legacy messages under streamEvents: partials from on_chat_model_stream, as in the JS server, not twice.
  it("takes legacy partials from on_chat_model_stream when fed streamEvents", async () => {
    const seen = await eventsRun(chatGraph(), ["messages"]);
    expect(names(seen)).toEqual(["metadata", "messages/complete", "messages/metadata", "messages/partial×8", "messages/complete×2"]);
    const [id] = Object.keys(seen[2].data);
    expect(seen[2].data[id].metadata).toMatchObject({ langgraph_node: "agent" });
    expect(seen[10].data[0]).toMatchObject({ id, content: "Hi there" });
  });

  it("drops hidden events and, without the events mode, all events", () => {
    const hidden = { event: "on_chain_start", run_id: "x", name: "__start__", tags: ["langsmith:hidden"], data: {} };
    expect(new AgentStreamEncoder({ streamMode: ["events"], subgraphs: false }).streamEvent(hidden)).toEqual([]);
    expect(new AgentStreamEncoder({ streamMode: ["values"], subgraphs: false }).streamEvent({ ...hidden, tags: [] })).toEqual([]);
  });

  it("reports errors as the JS server's serializeError", () => {
    const encoder = new AgentStreamEncoder({ streamMode: ["values"], subgraphs: false });
    expect(encoder.error(new TypeError("bad input"))).toEqual({ event: "error", data: '{"error":"TypeError","message":"bad input"}' });
    expect(encoder.error(new GraphRecursionError("too deep")).data).toBe('{"error":"GraphRecursionError","message":"too deep"}');
    expect(encoder.error("boom")).toEqual({ event: "error", data: '{"error":"Error","message":"\\"boom\\""}' });
  });
});
