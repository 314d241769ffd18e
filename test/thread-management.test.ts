import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConversationRepository } from "../src/conversations/conversation-repository.js";
import { checkpointState, expectMirrorMatchesCheckpoint, summary } from "./helpers/checkpoint-state.js";
import { words } from "./helpers/live-chat.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

// bob is in tenantB, everyone else in tenantA. One user per concern keeps their lists apart.
const KEYS = {
  alice: "key-aaaaaaaa", bob: "key-bbbbbbbb", carol: "key-cccccccc", dave: "key-dddddddd", erin: "key-eeeeeeee", frank: "key-ffffffff", gina: "key-gggggggg",
  hana: "key-hhhhhhhh", ivan: "key-iiiiiiii",
} as const;
type User = keyof typeof KEYS;
const tenant = (user: User) => (user === "bob" ? "tenantB" : "tenantA");

describe("thread management", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS: Object.entries(KEYS).map(([user, key]) => `${key}:${tenant(user as User)}:${user}`).join(",") } });
  });
  afterAll(() => t.close());

  const headers = (user: User) => ({ "x-api-key": KEYS[user] });
  const call = async (user: User, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...headers(user), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text && /^application\/(problem\+)?json/.test(res.headers.get("content-type") ?? "") ? JSON.parse(text) : undefined };
  };
  const newThread = async (user: User, message: string, reply = "ok") => {
    t.mock.script({ text: reply });
    const res = await chat(t.url, { message }, headers(user));
    expect(res.events.at(-1)?.data).toMatchObject({ type: "end", status: "success" });
    return res.headers.get("x-thread-id")!;
  };
  const append = (user: User, threadId: string, messages: unknown) => call(user, "POST", `/api/threads/${threadId}/messages`, { messages });
  const invalidParams = (res: { json: { invalid_params?: { name: string; reason: string }[] } }) => res.json.invalid_params?.map((p) => p.name);

  describe("POST /api/threads/:id/messages", () => {
    // The messages go into the checkpoint state as if the model node had produced them: nothing is
    // left to run, the mirror follows, and the next turn's model sees them like any other message.
    it("appends every role without running the model, and the next turn's model sees them", async () => {
      const threadId = await newThread("alice", "hello", "Hi there.");
      const before = t.mock.requests.length;
      const res = await append("alice", threadId, [
        { role: "system", content: "Answer in French." },
        { role: "user", content: "remember the code 7781", id: "import-u1", name: "alice", metadata: { source: "import", tags: ["a", "b"] } },
        { role: "assistant", content: "Noted: 7781.", metadata: { rating: 5 } },
      ]);
      expect(res.status).toBe(201);
      expect(t.mock.requests.length).toBe(before);

      const appended = res.json.messages;
      expect(appended.map((m: { role: string; content: string; metadata: unknown }) => [m.role, m.content, m.metadata])).toEqual([
        ["system", "Answer in French.", {}],
        ["user", "remember the code 7781", { source: "import", tags: ["a", "b"] }],
        ["assistant", "Noted: 7781.", { rating: 5 }],
      ]);
      expect(appended[1]).toMatchObject({ id: "import-u1", name: "alice", status: "complete", usage: null, model: null, parent_id: appended[0].id });
      expect(appended[0].id).toMatch(/^[0-9a-f-]{36}$/);

      // Nothing left to run: the thread is idle and its next turn starts from the user's message.
      expect((await checkpointState(t.db.pool, threadId)).next).toEqual([]);
      expect((await expectMirrorMatchesCheckpoint(t.db.pool, threadId)).map(summary)).toEqual([
        ["user", "hello", "complete"], ["assistant", "Hi there.", "complete"], ["system", "Answer in French.", "complete"],
        ["user", "remember the code 7781", "complete"], ["assistant", "Noted: 7781.", "complete"],
      ]);
      const thread = (await call("alice", "GET", `/api/threads/${threadId}`)).json;
      expect(thread).toMatchObject({ status: "idle", message_count: 5, title: "hello" });
      expect(thread.messages.slice(2)).toEqual(appended);
      expect(appended[0].checkpoint_id).toBe(thread.head_checkpoint_id);

      t.mock.script({ text: "C'était 7781." });
      const next = await chat(t.url, { message: "what was the code?", thread_id: threadId }, headers("alice"));
      expect(next.events.at(-1)?.data).toMatchObject({ type: "end", status: "success" });
      const sent = t.mock.requests.at(-1)!.messages.slice(1);
      expect(sent.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
        ["user", "hello"], ["assistant", "Hi there."], ["system", "Answer in French."],
        ["user", "remember the code 7781"], ["assistant", "Noted: 7781."], ["user", "what was the code?"],
      ]);
      expect(sent[3].name).toBe("alice");
      expect((await expectMirrorMatchesCheckpoint(t.db.pool, threadId)).map((m) => m.content).slice(-2)).toEqual(["what was the code?", "C'était 7781."]);
    });

    // A tool result must answer a call the thread's model made; the model API refuses it otherwise.
    it("appends a tool message that answers a tool call of the thread, and no other", async () => {
      t.mock.script([{ toolCalls: [{ id: "call_42", name: "calculator", args: { expression: "6*7" } }] }, { text: "42." }]);
      const threadId = (await chat(t.url, { message: "6*7?" }, headers("alice"))).headers.get("x-thread-id")!;

      const unknown = await append("alice", threadId, [{ role: "tool", content: "43", tool_call_id: "call_nope" }]);
      expect(unknown.status).toBe(400);
      expect(invalidParams(unknown)).toEqual(["messages.0.tool_call_id"]);

      const res = await append("alice", threadId, [{ role: "tool", content: "42 (checked by hand)", tool_call_id: "call_42", name: "calculator", metadata: { by: "hand" } }]);
      expect(res.status).toBe(201);
      expect(res.json.messages).toEqual([expect.objectContaining({ role: "tool", content: "42 (checked by hand)", tool_call_id: "call_42", name: "calculator", metadata: { by: "hand" } })]);
      expect((await checkpointState(t.db.pool, threadId)).next).toEqual([]);
      expect((await expectMirrorMatchesCheckpoint(t.db.pool, threadId)).map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant", "tool"]);
    });

    it("refuses while a run is in progress, and works once it has ended", async () => {
      const threadId = await newThread("alice", "first");
      t.mock.script({ text: words(15), tokenDelayMs: 30 });
      const response = await fetch(`${t.url}/api/chat`, {
        method: "POST", headers: { "content-type": "application/json", ...headers("alice") }, body: JSON.stringify({ message: "second", thread_id: threadId }),
      });
      const runId = response.headers.get("x-run-id");
      const streaming = response.text();
      const refused = await append("alice", threadId, [{ role: "user", content: "too soon" }]);
      expect(refused.status).toBe(409);
      expect(refused.json).toMatchObject({ status: 409, title: "Conflict", running_run_id: runId });
      await streaming;

      expect((await append("alice", threadId, [{ role: "user", content: "now" }])).status).toBe(201);
      expect((await expectMirrorMatchesCheckpoint(t.db.pool, threadId)).map((m) => m.content)).toEqual(["first", "ok", "second", words(15), "now"]);

      // A thread waiting for a human decision is not written over either: the messages would drop it.
      await t.db.pool.query("UPDATE threads SET status = 'interrupted' WHERE thread_id = $1", [threadId]);
      const waiting = await append("alice", threadId, [{ role: "user", content: "meanwhile" }]);
      expect([waiting.status, waiting.json.detail]).toEqual([409, `Thread ${threadId} is waiting for a human decision; resume it before adding messages.`]);
      await t.db.pool.query("UPDATE threads SET status = 'idle' WHERE thread_id = $1", [threadId]);
    });

    // The append holds the thread's row lock (its run slot) while it writes: a run sent meanwhile
    // waits for it instead of starting on a state that is being changed.
    it("keeps a run from starting while it holds the thread's slot", async () => {
      const threadId = await newThread("alice", "slot");
      const client = await t.db.pool.connect();
      try {
        await client.query("BEGIN");
        expect(await new ConversationRepository(client).lockThread(threadId)).toEqual({ status: "idle", runningRunId: null, shownId: expect.any(String) });
        const before = t.mock.requests.length;
        t.mock.script({ text: "after the append" });
        const waiting = chat(t.url, { message: "while locked", thread_id: threadId }, headers("alice"));
        const waitingOnLocks = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
        await expect.poll(async () => (await t.db.pool.query(waitingOnLocks)).rows[0].n).toBe(1);
        expect(t.mock.requests.length).toBe(before);
        await client.query("COMMIT");
        expect((await waiting).events.at(-1)?.data).toMatchObject({ type: "end", status: "success" });
      } finally {
        client.release();
      }
      await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    });

    it("answers 404 for another owner's thread and an unknown one, and writes nothing", async () => {
      const threadId = await newThread("alice", "mine");
      for (const user of ["bob", "carol"] as const) {
        const res = await append(user, threadId, [{ role: "user", content: "hijack" }]);
        expect([res.status, res.json.detail]).toEqual([404, `Thread ${threadId} was not found.`]);
      }
      expect((await append("alice", "00000000-0000-4000-8000-000000000000", [{ role: "user", content: "x" }])).status).toBe(404);
      expect((await expectMirrorMatchesCheckpoint(t.db.pool, threadId)).map((m) => m.content)).toEqual(["mine", "ok"]);
    });

    // Each problem names the fields at fault; none of these requests changes the thread.
    it("refuses bad input with a 400 naming each field", async () => {
      const threadId = await newThread("alice", "validate me");
      const cases: [unknown, string[]][] = [
        [[], ["messages"]],
        [Array.from({ length: 101 }, () => ({ role: "user", content: "x" })), ["messages"]],
        [[{ role: "robot", content: "x" }], ["messages.0.role"]],
        [[{ role: "user", content: "" }], ["messages.0.content"]],
        [[{ role: "user", content: "x".repeat(32_001) }], ["messages.0.content"]],
        [[{ role: "user", content: "nul \u0000" }], ["messages.0.content"]],
        [[{ role: "user", content: 5 }], ["messages.0.content"]],
        [[{ role: "user", content: "x" }, { role: "tool", content: "y" }], ["messages.1.tool_call_id"]],
        [[{ role: "user", content: "x", tool_call_id: "call_1" }], ["messages.0.tool_call_id"]],
        [[{ role: "user", content: "x", metadata: [1] }], ["messages.0.metadata"]],
        [[{ role: "user", content: "x", name: "no spaces please" }], ["messages.0.name"]],
        [[{ role: "user", content: "x", colour: "red" }], ["messages.0.colour"]],
        [[{ role: "user", content: "x", id: "same" }, { role: "user", content: "y", id: "same" }], ["messages.1.id"]],
      ];
      for (const [messages, fields] of cases) {
        const res = await append("alice", threadId, messages);
        expect([res.status, invalidParams(res)], JSON.stringify(messages).slice(0, 80)).toEqual([400, fields]);
      }
      expect(invalidParams(await call("alice", "POST", `/api/threads/${threadId}/messages`, { messages: [{ role: "user", content: "x" }], extra: 1 }))).toEqual(["extra"]);
      expect(invalidParams(await append("alice", "not%20an%20id", [{ role: "user", content: "x" }]))).toEqual(["id"]);
      const text = await fetch(`${t.url}/api/threads/${threadId}/messages`, { method: "POST", headers: { ...headers("alice"), "content-type": "text/plain" }, body: "hi" });
      expect(text.status).toBe(400);

      // An id the thread already has would replace that message rather than add one.
      const [first] = (await call("alice", "GET", `/api/threads/${threadId}`)).json.messages;
      const reused = await append("alice", threadId, [{ role: "user", content: "again", id: first.id }]);
      expect([reused.status, reused.json.message_ids]).toEqual([409, [first.id]]);

      expect((await expectMirrorMatchesCheckpoint(t.db.pool, threadId)).map((m) => m.content)).toEqual(["validate me", "ok"]);
    });

    // Custom metadata, from the chat route and from appends, survives reads and every export format;
    // the Markdown transcript leaves it out and stays clean.
    it("keeps custom metadata in reads and exports", async () => {
      t.mock.script({ text: "Sure." });
      const threadId = (await chat(t.url, { message: "tagged", metadata: { source: "web", n: 1 } }, headers("alice"))).headers.get("x-thread-id")!;
      await append("alice", threadId, [{ role: "assistant", content: "A note.", metadata: { nested: { ok: true } } }]);

      const { messages, ...thread } = (await call("alice", "GET", `/api/threads/${threadId}`)).json;
      expect(messages.map((m: { metadata: unknown }) => m.metadata)).toEqual([{ source: "web", n: 1 }, {}, { nested: { ok: true } }]);
      expect(JSON.parse((await call("alice", "GET", `/api/threads/${threadId}/export?format=json`)).text)).toEqual({ thread, messages });
      const jsonl = (await call("alice", "GET", `/api/threads/${threadId}/export?format=jsonl`)).text;
      expect(jsonl.trimEnd().split("\n").map((l) => JSON.parse(l))).toEqual(messages);
      expect((await call("alice", "GET", `/api/threads/${threadId}/export?format=markdown`)).text).toBe(
        ["# tagged", "", `Thread \`${threadId}\`, ${thread.created_at}`, "", "## User", "", "tagged", "", "## Assistant", "", "Sure.", "", "## Assistant", "", "A note.", ""].join("\n"),
      );
    });
  });

  describe("PATCH /api/threads/:id", () => {
    it("sets the title and merges metadata (null removes a key)", async () => {
      const threadId = await newThread("erin", "untitled chat");
      const first = await call("erin", "PATCH", `/api/threads/${threadId}`, { title: "  Trip plans  ", metadata: { project: "travel", pinned: true } });
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({ thread_id: threadId, title: "Trip plans", metadata: { project: "travel", pinned: true }, message_count: 2 });
      expect(first.json.messages).toBeUndefined();

      const second = await call("erin", "PATCH", `/api/threads/${threadId}`, { metadata: { pinned: null, stars: 3, project: { name: "travel" } } });
      expect(second.json).toMatchObject({ title: "Trip plans", metadata: { project: { name: "travel" }, stars: 3 } });
      expect(second.json.metadata).not.toHaveProperty("pinned");
      expect(Date.parse(second.json.updated_at)).toBeGreaterThanOrEqual(Date.parse(first.json.updated_at));

      // A later turn keeps the title given; the read and the list agree.
      await chat(t.url, { message: "more", thread_id: threadId }, headers("erin"));
      const read = (await call("erin", "GET", `/api/threads/${threadId}`)).json;
      expect([read.title, read.metadata]).toEqual(["Trip plans", { project: { name: "travel" }, stars: 3 }]);
      expect((await call("erin", "GET", "/api/threads")).json.threads[0]).toMatchObject({ thread_id: threadId, title: "Trip plans" });
    });

    it("refuses bad input naming the field, and another owner's thread with 404", async () => {
      const threadId = await newThread("erin", "keep me");
      const cases: [unknown, string[]][] = [
        [{}, ["body"]],
        [{ title: 5 }, ["title"]],
        [{ title: "   " }, ["title"]],
        [{ title: "x".repeat(201) }, ["title"]],
        [{ title: null }, ["title"]],
        [{ metadata: [1, 2] }, ["metadata"]],
        [{ metadata: "x" }, ["metadata"]],
        [{ metadata: { k: "nul\u0000" } }, ["metadata"]],
        [{ title: "ok", status: "idle" }, ["status"]],
      ];
      for (const [body, fields] of cases) {
        const res = await call("erin", "PATCH", `/api/threads/${threadId}`, body);
        expect([res.status, invalidParams(res)], JSON.stringify(body)).toEqual([400, fields]);
      }
      for (const user of ["bob", "alice"] as const) expect((await call(user, "PATCH", `/api/threads/${threadId}`, { title: "mine now" })).status).toBe(404);
      expect((await call("erin", "PATCH", "/api/threads/00000000-0000-4000-8000-000000000000", { title: "x" })).status).toBe(404);
      expect((await call("erin", "GET", `/api/threads/${threadId}`)).json).toMatchObject({ title: "keep me", metadata: {} });
    });
  });

  describe("GET /api/threads with search and filters", () => {
    // carol's threads: two tagged "zoo", one "kitchen", and one whose model failed. The tagging
    // comes last, so newest first (by updated_at) they are bread, dog, fox, owl.
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      ids.fox = await newThread("carol", "The quick brown fox jumps over the fence", "Foxes are quick.");
      ids.dog = await newThread("carol", "A lazy dog sleeps", "Dogs sleep a lot.");
      ids.bread = await newThread("carol", "brown bread recipe", "Use flour and a brown crust.");
      t.mock.script({ httpStatus: 500 });
      ids.owl = (await chat(t.url, { message: "a brown owl hoots" }, headers("carol"))).headers.get("x-thread-id")!;
      for (const [key, project] of [["fox", "zoo"], ["dog", "zoo"], ["bread", "kitchen"]]) {
        await call("carol", "PATCH", `/api/threads/${ids[key]}`, { metadata: { project } });
      }
      // Someone else's brown fox must never show up in carol's results.
      await newThread("bob", "a brown fox of bob's");
      await newThread("alice", "a brown fox of alice's");
    });

    const list = async (query: Record<string, string>, user: User = "carol") => {
      const res = await call(user, "GET", `/api/threads?${new URLSearchParams(query)}`);
      expect(res.status, res.text).toBe(200);
      return res.json as { threads: { thread_id: string; snippet?: string | null; snippet_message_id?: string | null; snippet_on_head_branch?: boolean | null; status: string }[]; next_cursor: string | null; total: number };
    };
    const names = (page: { threads: { thread_id: string }[] }) => page.threads.map((th) => Object.keys(ids).find((k) => ids[k] === th.thread_id) ?? th.thread_id);

    it("finds threads by message text, with a snippet of the best-matching message", async () => {
      const page = await list({ q: "fox" });
      expect([names(page), page.total, page.next_cursor]).toEqual([["fox"], 1, null]);
      const fox = (await call("carol", "GET", `/api/threads/${ids.fox}`)).json;
      expect(page.threads[0]).toMatchObject({ title: fox.title, snippet: "The quick brown «fox» jumps over the fence", snippet_message_id: fox.messages[0].id, snippet_on_head_branch: true });

      // Only the reply has both words: its snippet, not the user's message (a snippet is made of words:
      // trailing punctuation goes).
      const bread = await list({ q: "brown crust" });
      expect(names(bread)).toEqual(["bread"]);
      expect(bread.threads[0].snippet).toBe("Use flour and a «brown» «crust»");
      const reply = (await call("carol", "GET", `/api/threads/${ids.bread}`)).json.messages[1];
      expect([reply.content, bread.threads[0].snippet_message_id]).toEqual(["Use flour and a brown crust.", reply.id]);
    });

    // A user remembers what they wrote, not which branch it is on.
    it("finds text on a branch the user edited away from, says so, and POST /head switches to it", async () => {
      const threadId = await newThread("hana", "plans for the lighthouse trip");
      const [first] = (await call("hana", "GET", `/api/threads/${threadId}`)).json.messages;
      const edited = await call("hana", "POST", `/api/threads/${threadId}/messages/${first.id}/edit`, { content: "plans for the harbour trip" });
      expect(edited.text).toContain('"status":"success"');
      const [now] = (await call("hana", "GET", `/api/threads/${threadId}`)).json.messages;
      expect(now.content).toBe("plans for the harbour trip");

      const left = await list({ q: "lighthouse" }, "hana");
      expect([left.total, left.threads[0]]).toEqual([1, expect.objectContaining({
        thread_id: threadId, snippet: "plans for the «lighthouse» trip", snippet_message_id: first.id, snippet_on_head_branch: false,
      })]);
      expect((await list({ q: "harbour" }, "hana")).threads[0]).toMatchObject({ snippet_message_id: now.id, snippet_on_head_branch: true });
      // Both branches match equally: the head branch's message is the one shown.
      expect((await list({ q: "trip" }, "hana")).threads[0]).toMatchObject({ snippet_message_id: now.id, snippet_on_head_branch: true });

      const switched = await call("hana", "POST", `/api/threads/${threadId}/head`, { message_id: left.threads[0].snippet_message_id });
      expect(switched.status).toBe(200);
      expect((await call("hana", "GET", `/api/threads/${threadId}`)).json.messages.map((m: { content: string }) => m.content)).toEqual(["plans for the lighthouse trip", "ok"]);
      expect((await list({ q: "lighthouse" }, "hana")).threads[0]).toMatchObject({ snippet_message_id: first.id, snippet_on_head_branch: true });
      expect((await list({ q: "harbour" }, "hana")).threads[0]).toMatchObject({ snippet_message_id: now.id, snippet_on_head_branch: false });
    });

    it("takes web-search syntax: phrases, or, and exclusions", async () => {
      expect(names(await list({ q: '"brown fox"' }))).toEqual(["fox"]);
      expect(await list({ q: '"fox brown"' })).toEqual({ threads: [], next_cursor: null, total: 0 });
      expect(names(await list({ q: "fox or bread" }))).toEqual(["bread", "fox"]);
      // A thread matches when one of its messages matches the whole query.
      expect(names(await list({ q: "brown -fox" }))).toEqual(["bread", "owl"]);
      expect(await list({ q: "zebra" })).toEqual({ threads: [], next_cursor: null, total: 0 });
    });

    it("sees only the caller's threads", async () => {
      expect(names(await list({ q: "brown" }))).toEqual(["bread", "fox", "owl"]);
      const bobs = await list({ q: "brown fox" }, "bob");
      expect([bobs.total, bobs.threads.map((th) => th.snippet)]).toEqual([1, ["a «brown» «fox» of bob's"]]);
    });

    it("filters by status and by metadata, alone and with a search", async () => {
      expect(names(await list({ status: "error" }))).toEqual(["owl"]);
      expect(names(await list({ status: "error", q: "brown" }))).toEqual(["owl"]);
      expect((await list({ status: "busy" })).total).toBe(0);
      const zoo = await list({ metadata: JSON.stringify({ project: "zoo" }) });
      expect([names(zoo), zoo.total]).toEqual([["dog", "fox"], 2]);
      expect(zoo.threads[0]).not.toHaveProperty("snippet");
      expect(names(await list({ metadata: '{"project":"zoo"}', q: "brown" }))).toEqual(["fox"]);
      expect(names(await list({ metadata: '{"project":"kitchen"}', status: "idle", q: "bread" }))).toEqual(["bread"]);
      expect((await list({ metadata: '{"project":"none"}' })).total).toBe(0);
      expect(names(await list({ metadata: "{}" }))).toEqual(["bread", "dog", "fox", "owl"]);
    });

    // Keyset pages under a search: every match once, newest first, and `total` counts them all.
    it("pages through search results with a total over all pages", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list({ q: "brown", limit: "1", ...(cursor ? { cursor } : {}) });
        expect(page.total).toBe(3);
        expect(page.threads).toHaveLength(1);
        expect(page.threads[0].snippet).toContain("«brown»");
        seen.push(...names(page));
        cursor = page.next_cursor;
      } while (cursor && seen.length < 10);
      expect(seen).toEqual(["bread", "fox", "owl"]);
      const all = await list({});
      expect([all.total, all.threads.length]).toEqual([4, 4]);
    });

    // The web app's assistant filter: the assistant a thread was made with (a graph id for the
    // graph's defaults, or a stored assistant's UUID), and the graph behind it.
    it("filters by assistant and by graph, alone and with a search", async () => {
      const created = await call("ivan", "POST", "/api/assistants", { graph_id: "chat", name: "Terse" });
      const terse = created.json.assistant_id as string;
      t.mock.script({ text: "ok" });
      const byTerse = (await chat(t.url, { message: "a brown hen", assistant_id: terse }, headers("ivan"))).headers.get("x-thread-id")!;
      const byChat = await newThread("ivan", "a brown cow");
      const byDraft = (await chat(t.url, { message: "a brown goat", assistant_id: "draft" }, headers("ivan"))).headers.get("x-thread-id")!;
      const ivans = async (query: Record<string, string>) => (await list(query, "ivan")).threads.map((th) => th.thread_id);
      expect(await ivans({ assistant_id: terse })).toEqual([byTerse]);
      expect(await ivans({ assistant_id: "chat" })).toEqual([byChat]);
      expect(await ivans({ assistant_id: "draft", q: "brown" })).toEqual([byDraft]);
      expect(await ivans({ assistant_id: "chat", q: "hen" })).toEqual([]);
      expect(await ivans({ graph_id: "chat" })).toEqual([byChat, byTerse]);
      expect(await ivans({ graph_id: "chat", assistant_id: terse })).toEqual([byTerse]);
      expect((await list({ graph_id: "draft" }, "ivan")).total).toBe(1);
      // Another owner's thread of the same assistant id is not theirs to see.
      expect(await ivans({ assistant_id: "nobody" })).toEqual([]);
      expect((await list({ assistant_id: "chat" }, "carol")).total).toBe(4);
    });

    it("refuses bad filters naming the parameter", async () => {
      for (const [query, field] of [
        [{ metadata: "{oops" }, "metadata"], [{ metadata: "[1]" }, "metadata"], [{ status: "asleep" }, "status"], [{ q: " " }, "q"], [{ sort: "asc" }, "sort"],
        [{ assistant_id: "" }, "assistant_id"], [{ graph_id: "x".repeat(101) }, "graph_id"],
      ] as const) {
        const res = await call("carol", "GET", `/api/threads?${new URLSearchParams(query)}`);
        expect([res.status, invalidParams(res)]).toEqual([400, [field]]);
      }
    });
  });

  describe("GET /api/threads/export", () => {
    it("streams every thread of the caller as JSON Lines, each as its JSON export", async () => {
      t.mock.script([{ toolCalls: [{ id: "call_9", name: "calculator", args: { expression: "3*3" } }] }, { text: "It is 9." }]);
      const ids = [(await chat(t.url, { message: "3*3?", metadata: { via: "test" } }, headers("dave"))).headers.get("x-thread-id")!];
      ids.push(await newThread("dave", "second thread"));
      await append("dave", ids[1], [{ role: "user", content: "added by hand", metadata: { imported: true } }]);
      ids.push(await newThread("dave", "third thread"));
      await call("dave", "PATCH", `/api/threads/${ids[0]}`, { title: "Renamed", metadata: { k: "v" } });

      const res = await call("dave", "GET", "/api/threads/export?format=jsonl");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="threads-${new Date().toISOString().slice(0, 10)}.jsonl"`);
      // Streamed as it is read, not sent as one sized body.
      expect(res.headers.get("transfer-encoding")).toBe("chunked");
      const lines = res.text.split("\n");
      expect(lines.pop()).toBe("");
      expect(lines).toHaveLength(3);
      // In creation order, each line exactly the thread's own JSON export.
      for (const [i, id] of ids.entries()) {
        expect(JSON.parse(lines[i])).toEqual(JSON.parse((await call("dave", "GET", `/api/threads/${id}/export?format=json`)).text));
      }
      expect(JSON.parse(lines[0]).thread).toMatchObject({ title: "Renamed", metadata: { k: "v" }, message_count: 4 });
      expect(JSON.parse(lines[1]).messages.at(-1)).toMatchObject({ content: "added by hand", metadata: { imported: true } });

      expect((await call("dave", "GET", "/api/threads/export")).text).toBe(res.text);
      // Nobody else's threads, and nothing for a caller with none.
      const bobs = (await call("bob", "GET", "/api/threads/export")).text.trimEnd().split("\n").map((l) => JSON.parse(l).thread.thread_id);
      expect(bobs.some((id) => ids.includes(id))).toBe(false);
      expect(bobs.length).toBeGreaterThan(0);
    });

    // More threads than one batch: every one exactly once, in creation order.
    it("exports across batches", async () => {
      // Written straight into the mirror (no checkpoints, no messages): only the batching is under test.
      // Created oldest first but updated newest first, so creation order is not the list's order.
      await t.db.pool.query(`
        INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, title, created_at, updated_at)
        SELECT gen_random_uuid(), 'tenantA', 'frank', 'chat', 'chat', 'bulk ' || i, now() + i * interval '1 ms', now() - i * interval '1 ms'
        FROM generate_series(1, 230) i`);
      const res = await call("frank", "GET", "/api/threads/export");
      const lines = res.text.trimEnd().split("\n").map((l) => JSON.parse(l));
      expect(lines.map((l) => l.thread.title)).toEqual(Array.from({ length: 230 }, (_, i) => `bulk ${i + 1}`));
      expect(lines.every((l) => Array.isArray(l.messages) && l.messages.length === 0)).toBe(true);
      const none = await call("gina", "GET", "/api/threads/export");
      expect([none.status, none.text]).toEqual([200, ""]);

      // A client that leaves mid-export: the export stops and gives its connection back.
      const controller = new AbortController();
      const partial = await fetch(`${t.url}/api/threads/export`, { headers: headers("frank"), signal: controller.signal });
      await partial.body!.getReader().read();
      controller.abort();
      const { pool } = t.service.db;
      // Eventually: on a loaded machine the abort takes a while to reach the export's query.
      await expect.poll(() => pool.totalCount - pool.idleCount, { timeout: 15_000 }).toBe(0);
      expect((await call("frank", "GET", "/api/threads/export")).text).toBe(res.text);
    });

    it("is not taken for a thread id, and refuses other formats", async () => {
      const res = await call("dave", "GET", "/api/threads/export?format=markdown");
      expect([res.status, invalidParams(res)]).toEqual([400, ["format"]]);
      expect(invalidParams(await call("dave", "GET", "/api/threads/export?since=1"))).toEqual(["since"]);
    });
  });
});
