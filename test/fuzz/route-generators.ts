import { hostileString, hostileValue } from "./hostile-values.js";
import type { Prng } from "./prng.js";

/** Real ids made before the fuzz starts, which generators name at random so requests reach deep code. */
export interface FuzzIds {
  /** Agent Server threads (POST /threads) and native ones (/api/chat): both APIs see both. */
  threads: string[];
  /** Runs with their threads. */
  runs: { thread: string; run: string }[];
  checkpoints: { thread: string; checkpoint: string }[];
  messages: { thread: string; message: string }[];
  /** Stored assistants of the fuzzing key's tenant (the Agent Server's and /api/assistants' are the same rows). */
  assistants: string[];
  /** Model providers of the fuzzing key's tenant. */
  providers: string[];
  /** A real thread export, the body imports start from. */
  threadExport: unknown;
  /** Items of the fuzzing key's tenant's store. */
  storeItems: { namespace: string[]; key: string }[];
}

/** What a generator asks for; the runner fills the route's path and mutates some of it. */
export interface RouteRequest {
  params?: Record<string, string>;
  query?: Record<string, string | string[]>;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteGenerator = (g: Gen) => RouteRequest;

/** A generator's view of the run: the request's PRNG and the real ids. */
export class Gen {
  constructor(readonly rng: Prng, readonly ids: FuzzIds) {}

  /** Mostly a real one, sometimes a well-formed unknown one, now and then a hostile path segment. */
  pickId(real: readonly string[]): string {
    const roll = this.rng.next();
    if (roll < 0.7 && real.length) return this.rng.pick(real);
    if (roll < 0.9) return this.rng.uuid();
    return this.rng.pick(BAD_SEGMENTS);
  }

  thread(): string {
    return this.pickId(this.ids.threads);
  }

  /** A run and its thread: usually the pair, sometimes the run under another thread. */
  run(): { id: string; run_id: string } {
    const pair = this.ids.runs.length ? this.rng.pick(this.ids.runs) : { thread: this.rng.uuid(), run: this.rng.uuid() };
    if (this.rng.chance(0.75)) return { id: pair.thread, run_id: pair.run };
    return { id: this.thread(), run_id: this.pickId(this.ids.runs.map((r) => r.run)) };
  }

  checkpoint(): { id: string; checkpoint_id: string } {
    const pair = this.ids.checkpoints.length ? this.rng.pick(this.ids.checkpoints) : { thread: this.rng.uuid(), checkpoint: this.rng.uuid() };
    if (this.rng.chance(0.75)) return { id: pair.thread, checkpoint_id: pair.checkpoint };
    return { id: this.thread(), checkpoint_id: this.pickId(this.ids.checkpoints.map((c) => c.checkpoint)) };
  }

  message(): { id: string; message_id: string } {
    const pair = this.ids.messages.length ? this.rng.pick(this.ids.messages) : { thread: this.rng.uuid(), message: this.rng.uuid() };
    if (this.rng.chance(0.75)) return { id: pair.thread, message_id: pair.message };
    return { id: this.thread(), message_id: this.pickId(this.ids.messages.map((m) => m.message)) };
  }

  assistant(): string {
    return this.rng.chance(0.3) ? this.rng.pick(["chat", "draft"]) : this.pickId(this.ids.assistants);
  }

  /** A store namespace: mostly a real item's (or a prefix of one), sometimes made up, now and then hostile labels. */
  namespace(): unknown[] {
    const roll = this.rng.next();
    const real = this.ids.storeItems.length ? this.rng.pick(this.ids.storeItems).namespace : ["memories"];
    if (roll < 0.6) return real.slice(0, 1 + this.rng.int(real.length));
    if (roll < 0.8) return Array.from({ length: 1 + this.rng.int(3) }, () => this.rng.pick(["a", "b:c", "%", "_", "*", "é", "memories"]));
    return Array.from({ length: this.rng.pick([0, 1, 2, 21]) }, () => (this.rng.chance(0.5) ? hostileString(this.rng) : hostileValue(this.rng)));
  }

  /** A store key: a real item's, a made-up one, or hostile. */
  storeKey(): unknown {
    const roll = this.rng.next();
    if (roll < 0.6 && this.ids.storeItems.length) return this.rng.pick(this.ids.storeItems).key;
    return roll < 0.85 ? this.rng.pick(["k", "", "a.b", "🙂"]) : hostileValue(this.rng);
  }

  /** A search filter: LangGraph's operators, mostly on real fields, sometimes wrong. */
  storeFilter(): unknown {
    return this.rng.pick([
      { n: this.rng.int(3) }, { text: this.text() }, { n: { $gte: 1, $lt: 3 } }, { n: { $in: [1, "2", null] } }, { n: { $nin: [] } }, { tag: { $ne: "a" } },
      { n: { $gt: hostileValue(this.rng) } }, { n: { $regex: "." } }, { [hostileString(this.rng)]: hostileValue(this.rng) }, hostileValue(this.rng),
    ]);
  }

  checkpointIdValue(): string {
    return this.rng.chance(0.8) ? this.checkpoint().checkpoint_id : hostileString(this.rng);
  }

  /** Some of `fields`, each with probability p: optional fields come and go. */
  some(fields: Record<string, () => unknown>, p = 0.4): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, make] of Object.entries(fields)) if (this.rng.chance(p)) out[name] = make();
    return out;
  }

  text(): string {
    return this.rng.chance(0.85) ? this.rng.pick(["hello", "fuzz me", "what is 2+2?", "use a tool", "  padded  "]) : hostileString(this.rng);
  }

  input(): unknown {
    const messages = [{ role: this.rng.pick(["user", "human", "user", "assistant", "system", "tool", "robot"]), content: this.text() }];
    return this.rng.chance(0.9) ? { messages } : hostileValue(this.rng);
  }

  /** A provider's base URL: mostly fine, sometimes of another scheme, with credentials, or hostile. */
  providerUrl(): unknown {
    return this.rng.pick(["https://models.example.com/v1", "http://10.0.0.5:8000/v1", "ftp://x.example.com", "https://u:p@x.example.com/v1", "https://x.example.com/v1?q=1", "not a url", hostileString(this.rng), hostileValue(this.rng)]);
  }

  /** A provider's optional fields, secrets and refused headers among them. */
  providerFields(): Record<string, unknown> {
    return this.some({
      api_key: () => this.rng.pick(["sk-fuzz-0123456789ab", null, "", "has space", hostileString(this.rng)]),
      default_model: () => this.rng.pick(["m", null, hostileString(this.rng)]),
      headers: () => this.rng.pick([{}, { "X-Org": "a" }, { Host: "evil" }, { authorization: "Bearer x" }, { "bad name": "v" }, { "X-A": "a\r\nb" }, hostileValue(this.rng)]),
      timeout_ms: () => this.rng.pick([1000, 60000, 999, 600001, 1.5, "60000"]),
      kind: () => this.rng.pick(["openai-compatible", "anthropic"]),
      metadata: () => this.metadata(),
    });
  }

  metadata(): unknown {
    return this.rng.chance(0.8) ? { fuzz: this.rng.int(3), tag: this.rng.pick(["a", "b", "ü"]) } : hostileValue(this.rng);
  }
}

const BAD_SEGMENTS = [
  "not-a-uuid", "%E0%A4%A", "%ZZ", "%00", "%ED%A0%80", "%F0%9F%99%82", "..%2F..%2Fetc", "x".repeat(300), "00000000-0000-0000-0000-000000000000",
  "123", "null", "%20", "chat", "export", "import", "search", "count",
];
const STREAM_MODES = ["values", "updates", "messages", "messages-tuple", "custom", "events", "debug", "tasks", "checkpoints", "tools", "bogus"];
const MULTITASK = ["reject", "enqueue", "interrupt", "rollback", "bogus"];

function streamMode(g: Gen): unknown {
  return g.rng.chance(0.5) ? g.rng.pick(STREAM_MODES) : Array.from({ length: 1 + g.rng.int(4) }, () => g.rng.pick(STREAM_MODES));
}

function runBody(g: Gen, threadless = false): Record<string, unknown> {
  return {
    assistant_id: g.assistant(),
    ...(g.rng.chance(0.85) ? { input: g.input() } : {}),
    ...g.some({
      stream_mode: () => streamMode(g),
      multitask_strategy: () => g.rng.pick(MULTITASK),
      on_disconnect: () => g.rng.pick(["cancel", "continue", "explode"]),
      metadata: () => g.metadata(),
      config: () => g.rng.pick([{ tags: ["a"], recursion_limit: g.rng.pick([1, 3, 25, 0, 10_001]) }, { configurable: { model: hostileValue(g.rng) } }, hostileValue(g.rng)]),
      context: () => g.rng.pick([{}, { system_prompt: g.text() }, hostileValue(g.rng)]),
      command: () => g.rng.pick([{ resume: { decision: "approve" } }, { goto: "agent" }, { update: { messages: [{ role: "user", content: "x" }] } }, hostileValue(g.rng)]),
      interrupt_before: () => g.rng.pick(["*", ["agent"], ["tools"], hostileValue(g.rng)]),
      interrupt_after: () => g.rng.pick(["*", ["agent"], hostileValue(g.rng)]),
      stream_subgraphs: () => g.rng.chance(0.5),
      stream_resumable: () => g.rng.chance(0.5),
      on_completion: () => g.rng.pick(["delete", "keep"]),
      durability: () => g.rng.pick(["sync", "async", "exit"]),
      after_seconds: () => g.rng.pick([0, 5, null]),
      // Refused without resolving anything: a loopback address, a path without http.app, a scheme, junk.
      webhook: () => g.rng.pick(["http://127.0.0.1:1/hook", "/custom/webhook", "ftp://example.com/x", "//127.0.0.1/x", "http://[::1]/x", hostileValue(g.rng)]),
      ...(threadless ? {} : {
        if_not_exists: () => g.rng.pick(["create", "reject"]),
        checkpoint_id: () => g.checkpointIdValue(),
        checkpoint: () => ({ checkpoint_id: g.checkpointIdValue(), checkpoint_ns: g.rng.pick(["", "sub"]) }),
      }),
    }, 0.25),
  };
}

function joinQuery(g: Gen): Record<string, string | string[]> {
  return g.some({ cancel_on_disconnect: () => g.rng.pick(["true", "false", "1", "yes"]), stream_mode: () => g.rng.pick(STREAM_MODES) }, 0.3) as Record<string, string>;
}

const lastEventId = (g: Gen, values: string[]): Record<string, string> => (g.rng.chance(0.3) ? { "last-event-id": g.rng.pick(values) } : {});

const limitQuery = (g: Gen) => g.some({ limit: () => g.rng.pick(["1", "5", "100", "0", "-1", "1e3", "abc"]) }, 0.5) as Record<string, string>;

/**
 * One generator per route of the app, keyed as Express reports the route. A route without one fails
 * the fuzz, and so does a generator whose route is gone: the two lists are compared on every run.
 */
export const ROUTE_GENERATORS: Record<string, RouteGenerator> = {
  "GET /healthz": () => ({}),
  "GET /readyz": () => ({}),
  "GET /metrics": () => ({}),
  "GET /ok": () => ({}),
  // The web app: its page and icon (its hashed assets are a static folder, not routes).
  "GET /": () => ({}),
  "GET /favicon.svg": () => ({}),
  "GET /info": () => ({}),
  "GET /api/status": () => ({}),
  // The API's description and the page that draws it.
  "GET /openapi.json": () => ({}),
  "GET /docs": () => ({}),
  "GET /docs/docs.js": () => ({}),
  "GET /docs/docs.css": () => ({}),

  // The native API. A WebSocket's frames are tested in websocket.test.ts; over plain HTTP it answers 400.
  "GET /api/ws": (g) => ({ ...g.some({ query: () => ({ api_key: g.text() }) }) }),
  "POST /api/chat": (g) => ({
    // The reply as plain text, asked for by the query or by Accept.
    query: g.some({ format: () => g.rng.pick(["text", "sse", "xml", ""]) }, 0.2) as Record<string, string>,
    headers: g.some({ accept: () => g.rng.pick(["text/plain", "text/plain, text/event-stream", "*/*"]) }, 0.2) as Record<string, string>,
    body: g.rng.chance(0.15)
      ? { thread_id: g.thread(), resume: g.rng.pick([{ decision: "approve" }, { decision: "edit", args: { q: 1 } }, { decision: "reject" }, hostileValue(g.rng)]), ...g.some({ on_disconnect: () => "cancel" }) }
      : {
        message: g.text(),
        ...g.some({ thread_id: () => g.thread(), assistant_id: () => g.assistant(), checkpoint_id: () => g.checkpointIdValue(), on_disconnect: () => g.rng.pick(["continue", "cancel", "x"]), metadata: () => g.metadata() }),
        // A provider for this turn: unknown ones (422), a model alone, or anything at all.
        ...g.some({ configurable: () => g.rng.pick([{ provider_id: g.rng.uuid() }, { model: g.text() }, { provider_id: g.text() }, hostileValue(g.rng)]) }, 0.2),
      },
  }),
  "GET /chat": (g) => ({
    query: { message: g.text(), ...g.some({ thread_id: () => g.thread(), assistant_id: () => g.assistant(), checkpoint_id: () => g.checkpointIdValue(), on_disconnect: () => g.rng.pick(["continue", "cancel"]) }) } as Record<string, string>,
  }),
  // OpenAI's chat completions: a thread by header or metadata, or the whole conversation; what they refuse.
  "POST /v1/chat/completions": (g) => ({
    headers: g.some({ "x-thread-id": () => g.thread(), "x-show-tool-calls": () => g.rng.pick(["true", "1", "no"]) }, 0.3) as Record<string, string>,
    body: {
      model: g.rng.chance(0.9) ? g.assistant() : hostileValue(g.rng),
      messages: g.rng.chance(0.9)
        ? Array.from({ length: g.rng.pick([1, 1, 2, 3, 0]) }, () => ({
          role: g.rng.pick(["user", "user", "system", "developer", "assistant", "tool", "robot"]),
          content: g.rng.pick([g.text(), [{ type: "text", text: g.text() }], [{ type: "image_url", image_url: { url: "http://x" } }], null, hostileValue(g.rng)]),
        }))
        : hostileValue(g.rng),
      ...g.some({
        stream: () => g.rng.pick([true, false, "yes"]), stream_options: () => g.rng.pick([{ include_usage: true }, null, hostileValue(g.rng)]),
        metadata: () => g.rng.pick([{ thread_id: g.thread() }, { source: "fuzz" }, g.metadata()]), store: () => g.rng.pick([true, false, 1]),
        temperature: () => g.rng.pick([0, 0.7, 2, 3, -1, "hot"]), n: () => g.rng.pick([1, 2, 0]), user: () => g.text(),
        tools: () => g.rng.pick([[], [{ type: "function", function: { name: "f" } }], hostileValue(g.rng)]), show_tool_calls: () => g.rng.pick([true, false, "x"]),
        response_format: () => g.rng.pick([{ type: "text" }, { type: "json_object" }, hostileValue(g.rng)]), logprobs: () => g.rng.pick([false, true]),
      }, 0.25),
    },
  }),
  "GET /v1/models": () => ({}),
  // The Vercel AI SDK's useChat: a new message, a regenerate (of a real reply, now and then), or an approval response.
  "POST /api/ui/chat": (g) => {
    const target = g.message();
    const user = { id: g.rng.pick(["u1", target.message_id]), role: g.rng.pick(["user", "user", "system", "robot"]), parts: g.rng.pick([[{ type: "text", text: g.text() }], [], [{ type: "file", url: "data:," }], hostileValue(g.rng)]) };
    const approval = g.rng.pick([{ approved: true }, { approved: false, reason: g.text() }, { approved: "yes" }, hostileValue(g.rng)]);
    const reply = { id: target.message_id, role: "assistant", parts: [{ type: "tool-send_email", toolCallId: "call_1", state: g.rng.pick(["approval-responded", "approval-requested"]), input: {}, approval }] };
    return {
      body: {
        id: target.id,
        messages: g.rng.chance(0.2) ? [user, reply] : g.rng.chance(0.05) ? hostileValue(g.rng) : [user],
        trigger: g.rng.pick(["submit-message", "submit-message", "regenerate-message", "resume-stream"]),
        ...g.some({ messageId: () => g.rng.pick([target.message_id, hostileString(g.rng)]), assistant_id: () => g.assistant(), on_disconnect: () => g.rng.pick(["continue", "cancel", "x"]) }, 0.3),
      },
    };
  },
  "GET /api/ui/chat/:id/stream": (g) => ({ params: { id: g.thread() } }),
  "GET /api/threads": (g) => ({
    query: g.some({
      limit: () => g.rng.pick(["1", "20", "100", "101", "0", "x"]), cursor: () => g.rng.pick(["eyJ4IjoxfQ", "AAAA", "not base64!", "x".repeat(501), hostileString(g.rng)]),
      q: () => g.text(), status: () => g.rng.pick(["idle", "busy", "interrupted", "error", "zombie"]), metadata: () => g.rng.pick(['{"fuzz":1}', "{", "[]", '{"a":{"b":[1]}}', "null"]),
    }) as Record<string, string>,
  }),
  "GET /api/threads/export": (g) => ({ query: g.some({ format: () => g.rng.pick(["jsonl", "json", "csv"]) }) as Record<string, string> }),
  "POST /api/threads/import": (g) => ({ body: g.rng.chance(0.8) ? g.ids.threadExport : hostileValue(g.rng) }),
  "GET /api/threads/:id": (g) => ({ params: { id: g.thread() } }),
  "PATCH /api/threads/:id": (g) => ({ params: { id: g.thread() }, body: g.some({ title: () => g.text(), metadata: () => g.metadata() }, 0.6) }),
  "DELETE /api/threads/:id": (g) => ({ params: { id: g.rng.chance(0.2) ? g.thread() : g.rng.uuid() } }),
  "GET /api/threads/:id/export": (g) => ({ params: { id: g.thread() }, query: g.some({ format: () => g.rng.pick(["json", "markdown", "pdf"]), branches: () => g.rng.pick(["all", "head", "true", "x"]) }) as Record<string, string> }),
  "GET /api/threads/:id/stream": (g) => ({ params: { id: g.thread() }, query: g.some({ run_id: () => g.run().run_id }) as Record<string, string>, headers: lastEventId(g, ["0", "-1", "5", "x", "99999999999"]) }),
  "GET /api/threads/:id/history": (g) => ({ params: { id: g.thread() }, query: { ...limitQuery(g), ...g.some({ cursor: () => g.checkpointIdValue() }) } as Record<string, string> }),
  "GET /api/threads/:id/state": (g) => ({ params: { id: g.thread() }, query: g.some({ checkpoint_id: () => g.checkpointIdValue() }) as Record<string, string> }),
  "POST /api/threads/:id/messages": (g) => ({
    params: { id: g.thread() },
    body: { messages: Array.from({ length: g.rng.pick([1, 1, 2, 0, 101]) }, () => ({ role: g.rng.pick(["user", "assistant", "system", "tool"]), content: g.text(), ...g.some({ id: () => g.rng.uuid(), tool_call_id: () => "call_1", name: () => g.text(), metadata: () => g.metadata() }, 0.2) })) },
  }),
  "POST /api/threads/:id/messages/:message_id/edit": (g) => ({ params: g.message(), body: { content: g.text(), ...g.some({ on_disconnect: () => g.rng.pick(["continue", "cancel"]) }) } }),
  "POST /api/threads/:id/messages/:message_id/regenerate": (g) => ({ params: g.message(), body: g.some({ on_disconnect: () => g.rng.pick(["continue", "cancel"]) }) }),
  "POST /api/threads/:id/head": (g) => {
    const target = g.message();
    return { params: { id: target.id }, body: g.rng.chance(0.5) ? { checkpoint_id: g.checkpointIdValue() } : { message_id: target.message_id } };
  },
  "POST /api/threads/:id/fork": (g) => {
    const at = g.checkpoint();
    return { params: { id: at.id }, body: g.some({ checkpoint_id: () => at.checkpoint_id }) };
  },
  "GET /api/assistants": (g) => ({ query: { ...limitQuery(g), ...g.some({ cursor: () => g.rng.pick(["AAAA", hostileString(g.rng)]) }) } as Record<string, string> }),
  "POST /api/assistants": (g) => ({
    body: { graph_id: g.rng.pick(["chat", "draft", "nope"]), name: g.text(), ...g.some({ description: () => g.text(), config: () => g.rng.pick([{ system_prompt: "be brief" }, { provider_id: g.rng.uuid() }, hostileValue(g.rng)]), metadata: () => g.metadata() }) },
  }),
  "GET /api/assistants/:id": (g) => ({ params: { id: g.pickId(g.ids.assistants) } }),
  "PATCH /api/assistants/:id": (g) => ({ params: { id: g.pickId(g.ids.assistants) }, body: g.some({ name: () => g.text(), description: () => g.text(), config: () => g.rng.pick([{ system_prompt: "x" }, hostileValue(g.rng)]), metadata: () => g.metadata(), graph_id: () => "draft" }, 0.5) }),
  "POST /api/providers": (g) => ({ body: { name: g.text(), base_url: g.providerUrl(), ...g.providerFields() } }),
  "GET /api/providers": () => ({}),
  "GET /api/providers/:provider_id": (g) => ({ params: { provider_id: g.pickId(g.ids.providers) } }),
  "PATCH /api/providers/:provider_id": (g) => ({ params: { provider_id: g.pickId(g.ids.providers) }, body: { ...g.some({ name: () => g.text(), base_url: () => g.providerUrl() }), ...g.providerFields() } }),
  // Its fuzz providers point at names that do not resolve: a test is answered "unreachable" without leaving the machine.
  "POST /api/providers/:provider_id/test": (g) => ({ params: { provider_id: g.pickId(g.ids.providers) }, body: g.some({ model: () => g.rng.pick(["m", "", hostileString(g.rng), hostileValue(g.rng)]) }) }),
  // Mostly an unknown id: deleting the real ones would leave the rest of the run none to reach.
  "DELETE /api/providers/:provider_id": (g) => ({ params: { provider_id: g.rng.chance(0.1) ? g.pickId(g.ids.providers) : g.rng.uuid() } }),
  "GET /api/assistants/:id/versions": (g) => ({ params: { id: g.pickId(g.ids.assistants) }, query: limitQuery(g) }),
  "DELETE /api/assistants/:id": (g) => ({ params: { id: g.rng.chance(0.1) ? g.pickId(g.ids.assistants) : g.rng.uuid() } }),

  // The LangGraph Agent Server API.
  "POST /assistants/search": (g) => ({ body: g.some({ graph_id: () => g.rng.pick(["chat", "draft", "x"]), name: () => g.text(), metadata: () => g.metadata(), limit: () => g.rng.pick([1, 10, 1000, 0]), offset: () => g.rng.pick([0, 5, -1]), select: () => g.rng.pick([["assistant_id", "name"], ["bogus"]]), sort_by: () => g.rng.pick(["name", "created_at", "x"]), sort_order: () => g.rng.pick(["asc", "desc"]) }) }),
  "POST /assistants/count": (g) => ({ body: g.some({ graph_id: () => g.rng.pick(["chat", "draft"]), name: () => g.text(), metadata: () => g.metadata() }) }),
  "POST /assistants": (g) => ({ body: { graph_id: g.rng.pick(["chat", "draft", "nope"]), ...g.some({ assistant_id: () => g.pickId(g.ids.assistants), name: () => g.text(), description: () => g.text(), if_exists: () => g.rng.pick(["raise", "do_nothing"]), metadata: () => g.metadata(), config: () => g.rng.pick([{ configurable: { system_prompt: "x" } }, { configurable: { provider_id: g.rng.pick([g.rng.uuid(), g.text()]) } }, hostileValue(g.rng)]), context: () => g.rng.pick([{ system_prompt: "x" }, hostileValue(g.rng)]) }) } }),
  "GET /assistants/:id": (g) => ({ params: { id: g.assistant() } }),
  "GET /assistants/:id/graph": (g) => ({ params: { id: g.assistant() }, query: g.some({ xray: () => g.rng.pick(["true", "false", "1", "101", "x"]) }) as Record<string, string> }),
  "GET /assistants/:id/schemas": (g) => ({ params: { id: g.assistant() } }),
  "GET /assistants/:id/subgraphs": (g) => ({ params: { id: g.assistant() }, query: g.some({ recurse: () => g.rng.pick(["true", "false", "1", "x"]) }) as Record<string, string> }),
  "GET /assistants/:id/subgraphs/:namespace": (g) => ({ params: { id: g.assistant(), namespace: g.rng.pick(["research", "a%7Cb", "%00", "x".repeat(3000)]) }, query: g.some({ recurse: () => g.rng.pick(["true", "0"]) }) as Record<string, string> }),
  "PATCH /assistants/:id": (g) => ({ params: { id: g.assistant() }, body: g.some({ graph_id: () => g.rng.pick(["chat", "draft"]), name: () => g.text(), description: () => g.text(), metadata: () => g.metadata(), config: () => g.rng.pick([{ configurable: { system_prompt: "x" } }, hostileValue(g.rng)]), context: () => hostileValue(g.rng) }) }),
  "DELETE /assistants/:id": (g) => ({ params: { id: g.rng.chance(0.1) ? g.assistant() : g.rng.uuid() }, query: g.some({ delete_threads: () => g.rng.pick(["false", "true"]) }) as Record<string, string> }),
  "POST /assistants/:id/versions": (g) => ({ params: { id: g.assistant() }, body: g.some({ metadata: () => g.metadata(), limit: () => g.rng.pick([1, 10, 0]), offset: () => g.rng.pick([0, 1, -1]) }) }),
  "POST /assistants/:id/latest": (g) => ({ params: { id: g.assistant() }, body: { version: g.rng.pick([1, 2, 3, 0, 2 ** 31, 1.5]) } }),

  "PUT /store/items": (g) => ({
    body: {
      namespace: g.namespace(), key: g.storeKey(),
      value: g.rng.chance(0.8) ? { text: g.text(), n: g.rng.int(3), ...g.some({ tags: () => ["a", g.text()], deep: () => hostileValue(g.rng) }) } : hostileValue(g.rng),
      ...g.some({ index: () => g.rng.pick([false, null, ["text"], ["$"], ["tags[*]", "deep.x[-1]"], "text", [hostileString(g.rng)]]), ttl: () => g.rng.pick([null, 5, "x"]) }, 0.3),
    },
  }),
  "GET /store/items": (g) => ({
    query: {
      ...g.some({ namespace: () => g.namespace().map(String).join(".") }, 0.9), ...g.some({ key: () => String(g.storeKey()) }, 0.9),
      ...g.some({ refresh_ttl: () => g.rng.pick(["true", "false", "x"]) }, 0.2),
    } as Record<string, string>,
  }),
  "DELETE /store/items": (g) => ({ body: { namespace: g.namespace(), key: g.rng.chance(0.3) ? g.storeKey() : g.rng.uuid() } }),
  "POST /store/items/search": (g) => ({
    body: {
      namespace_prefix: g.rng.chance(0.2) ? [] : g.namespace(),
      ...g.some({ filter: () => g.storeFilter(), limit: () => g.rng.pick([1, 10, 1000, 0, 1001, 1.5]), offset: () => g.rng.pick([0, 2, -1, 100_001]), query: () => g.text(), refresh_ttl: () => g.rng.chance(0.5) }),
    },
  }),
  "POST /store/namespaces": (g) => ({
    body: g.some({ prefix: () => g.namespace(), suffix: () => g.namespace(), max_depth: () => g.rng.pick([1, 2, 0, 1001, 1.5]), limit: () => g.rng.pick([1, 100, 0, 1001]), offset: () => g.rng.pick([0, 1, -1]) }),
  }),

  "POST /threads": (g) => ({ body: g.some({ thread_id: () => g.thread(), metadata: () => g.metadata(), if_exists: () => g.rng.pick(["raise", "do_nothing", "x"]), graph_id: () => "chat", ttl: () => 60 }) }),
  "POST /threads/search": (g) => ({ body: g.some({ ids: () => [g.thread(), g.thread()], metadata: () => g.metadata(), status: () => g.rng.pick(["idle", "busy", "interrupted", "error", "x"]), values: () => hostileValue(g.rng), limit: () => g.rng.pick([1, 10, 1000, 0]), offset: () => g.rng.pick([0, 3, 100_001]), sort_by: () => g.rng.pick(["thread_id", "status", "created_at", "updated_at", "x"]), sort_order: () => g.rng.pick(["asc", "desc"]), select: () => ["thread_id"] }) }),
  "POST /threads/count": (g) => ({ body: g.some({ metadata: () => g.metadata(), status: () => g.rng.pick(["idle", "busy"]), values: () => hostileValue(g.rng) }) }),
  "GET /threads/:id": (g) => ({ params: { id: g.thread() } }),
  "PATCH /threads/:id": (g) => ({ params: { id: g.thread() }, body: g.some({ metadata: () => g.metadata(), ttl: () => 5 }, 0.7) }),
  "DELETE /threads/:id": (g) => ({ params: { id: g.rng.chance(0.2) ? g.thread() : g.rng.uuid() } }),
  "POST /threads/:id/copy": (g) => ({ params: { id: g.thread() } }),
  "GET /threads/:id/state": (g) => ({ params: { id: g.thread() }, query: g.some({ subgraphs: () => g.rng.pick(["true", "false", "maybe"]) }) as Record<string, string> }),
  "GET /threads/:id/state/:checkpoint_id": (g) => ({ params: g.checkpoint(), query: g.some({ subgraphs: () => g.rng.pick(["true", "false"]) }) as Record<string, string> }),
  "POST /threads/:id/state/checkpoint": (g) => {
    const at = g.checkpoint();
    return { params: { id: at.id }, body: { checkpoint: { checkpoint_id: at.checkpoint_id, ...g.some({ checkpoint_ns: () => g.rng.pick(["", "x"]), thread_id: () => at.id }) }, ...g.some({ subgraphs: () => g.rng.chance(0.5) }) } };
  },
  "POST /threads/:id/state": (g) => {
    const at = g.checkpoint();
    return {
      params: { id: at.id },
      body: {
        values: g.rng.chance(0.8) ? { messages: [{ role: g.rng.pick(["user", "assistant", "ai", "human"]), content: g.text() }] } : hostileValue(g.rng),
        ...g.some({ as_node: () => g.rng.pick(["agent", "tools", "__start__", "nope"]), checkpoint_id: () => at.checkpoint_id, checkpoint: () => ({ checkpoint_id: at.checkpoint_id }) }),
      },
    };
  },
  "GET /threads/:id/history": (g) => {
    const at = g.checkpoint();
    return { params: { id: at.id }, query: { ...limitQuery(g), ...g.some({ before: () => at.checkpoint_id }) } as Record<string, string> };
  },
  "POST /threads/:id/history": (g) => {
    const at = g.checkpoint();
    return { params: { id: at.id }, body: g.some({ limit: () => g.rng.pick([1, 10, 1000, 0]), before: () => g.rng.pick([at.checkpoint_id, { checkpoint_id: at.checkpoint_id }, { configurable: { checkpoint_id: at.checkpoint_id } }]), metadata: () => g.metadata(), checkpoint: () => ({ checkpoint_id: at.checkpoint_id }) }) };
  },
  "POST /threads/:id/runs": (g) => ({ params: { id: g.thread() }, body: runBody(g) }),
  "POST /threads/:id/runs/stream": (g) => ({ params: { id: g.thread() }, body: runBody(g) }),
  "POST /threads/:id/runs/wait": (g) => ({ params: { id: g.thread() }, body: runBody(g) }),
  "POST /runs": (g) => ({ body: runBody(g, true) }),
  "POST /runs/stream": (g) => ({ body: runBody(g, true) }),
  "POST /runs/wait": (g) => ({ body: runBody(g, true) }),
  "POST /runs/cancel": (g) => {
    const { id, run_id } = g.run();
    return { body: g.rng.chance(0.3) ? { status: g.rng.pick(["pending", "running", "all", "x"]) } : { thread_id: id, run_ids: [run_id] }, query: g.some({ action: () => g.rng.pick(["interrupt", "rollback"]) }) as Record<string, string> };
  },
  "GET /runs/:run_id/stream": (g) => ({ params: { run_id: g.run().run_id }, query: joinQuery(g), headers: lastEventId(g, ["0", "-1", "5", "x", "99999999999"]) }),
  "GET /threads/:id/runs": (g) => ({ params: { id: g.thread() }, query: g.some({ limit: () => g.rng.pick(["1", "10", "0"]), offset: () => g.rng.pick(["0", "2", "-1"]), status: () => g.rng.pick(["pending", "running", "success", "error", "x"]), select: () => g.rng.pick(["run_id", "status", "bogus"]) }) as Record<string, string> }),
  "GET /threads/:id/runs/:run_id": (g) => ({ params: g.run() }),
  "DELETE /threads/:id/runs/:run_id": (g) => ({ params: g.rng.chance(0.2) ? g.run() : { id: g.thread(), run_id: g.rng.uuid() } }),
  "GET /threads/:id/runs/:run_id/join": (g) => ({ params: g.run(), query: joinQuery(g) }),
  "GET /threads/:id/stream": (g) => ({
    params: { id: g.thread() },
    query: g.some({ stream_mode: () => g.rng.pick(["run_modes", "lifecycle", "state_update", "values"]) }) as Record<string, string>,
    headers: lastEventId(g, ["-", "0", `${g.run().run_id}:3`, `${g.run().run_id}:done`, "x:y"]),
  }),
  "GET /threads/:id/runs/:run_id/stream": (g) => ({ params: g.run(), query: joinQuery(g), headers: lastEventId(g, ["0", "-1", "3", "x"]) }),
  "POST /threads/:id/runs/:run_id/cancel": (g) => ({ params: g.run(), query: g.some({ wait: () => g.rng.pick(["true", "false", "1", "x"]), action: () => g.rng.pick(["interrupt", "rollback", "x"]) }) as Record<string, string> }),

  "POST /ui/:graph": (g) => ({ params: { graph: g.rng.pick(["chat", "agent", "%00", "x".repeat(300)]) }, body: g.some({ name: () => g.rng.pick(["weather", "", 5, hostileString(g.rng)]) }, 0.8) }),
  "GET /ui/:graph/:file": (g) => ({ params: { graph: g.rng.pick(["chat", "agent", "%2e%2e"]), file: g.rng.chance(0.3) ? g.pickId([]) : g.rng.pick(["entrypoint.js", "entrypoint.css", "..%2fpackage.json"]) } }),
};
