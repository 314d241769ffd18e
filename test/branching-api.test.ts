import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectMirrorMatchesCheckpoint } from "./helpers/checkpoint-state.js";
import { chat, readSse } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

type Msg = { id: string; role: string; content: string; siblings: { count: number; index: number; ids: string[] } };

describe("history and branching", () => {
  let t: TestService;
  let replies = 0;
  const get = async (path: string) => (await fetch(`${t.url}${path}`)).json();
  const post = (path: string, body?: unknown) =>
    fetch(`${t.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const transcript = async (threadId: string) => ((await get(`/api/threads/${threadId}`)).messages as Msg[]).map((m) => `${m.role}: ${m.content}`);
  const newThread = async (...turns: string[]) => {
    const threadId = (await chat(t.url, { message: turns[0] })).headers.get("x-thread-id")!;
    for (const turn of turns.slice(1)) await chat(t.url, { message: turn, thread_id: threadId });
    return threadId;
  };

  beforeAll(async () => {
    t = await startTestService({ script: () => ({ text: `reply ${++replies}` }) });
  });
  afterAll(() => t.close());

  // History is read from checkpoint rows and the mirror; `next` must agree with LangGraph's own.
  it("lists checkpoints newest first, paged, with what runs next and the messages each added", async () => {
    const threadId = await newThread("one", "two");
    const all: { checkpoint_id: string; next: string[]; added_message_ids: string[]; step: number }[] = [];
    let cursor: string | null = null;
    do {
      const page: { checkpoints: typeof all; next_cursor: string | null } = await get(`/api/threads/${threadId}/history?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.checkpoints.length).toBeLessThanOrEqual(3);
      all.push(...page.checkpoints);
      cursor = page.next_cursor;
    } while (cursor);
    const expected = [];
    for await (const s of (await t.service.graphs.get("chat")).getStateHistory({ configurable: { thread_id: threadId } })) expected.push(s);
    expect(all.map((c) => c.checkpoint_id)).toEqual(expected.map((s) => s.config.configurable!.checkpoint_id));
    expect(all.map((c) => c.next)).toEqual(expected.map((s) => s.next));
    const thread = await get(`/api/threads/${threadId}`);
    const added = all.flatMap((c) => c.added_message_ids);
    expect([...added].sort()).toEqual(thread.messages.map((m: Msg) => m.id).sort());
    const userTwo = thread.messages[2].id;
    const where = all.find((c) => c.added_message_ids.includes(userTwo))!;
    expect(where.next).toEqual(["agent"]);
  });

  // LangGraph 1.x records no writers in checkpoint metadata: a loop step was written by the tasks
  // that ran from its parent (LangGraph's own `next` of the parent), read a page at a time.
  it("names the node(s) that wrote each checkpoint, across pages, for tool steps, updates and head switches", async () => {
    t.mock.script((req) => (req.messages.at(-1)?.role === "tool" ? { text: `reply ${++replies}` } : { toolCalls: [{ name: "calculator", args: { expression: "6*7" } }] }));
    let threadId: string;
    try {
      threadId = await newThread("what is 6*7?");
    } finally {
      t.mock.script(() => ({ text: `reply ${++replies}` }));
    }
    const { thread_uuid } = await get(`/api/threads/${threadId}`);
    const edited = await post(`/threads/${thread_uuid}/state`, { values: { messages: [{ role: "user", content: "a note" }] }, as_node: "agent" });
    expect(edited.status).toBe(200);
    const history = async () => {
      const all: { checkpoint_id: string; parent_checkpoint_id: string | null; source: string; writers: string[] }[] = [];
      let cursor: string | null = null;
      do {
        const page: { checkpoints: typeof all; next_cursor: string | null } = await get(`/api/threads/${threadId}/history?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
        all.push(...page.checkpoints);
        cursor = page.next_cursor;
      } while (cursor);
      return all;
    };
    const all = await history();
    const expected: { next: string[]; config: { configurable?: Record<string, unknown> } }[] = [];
    for await (const s of (await t.service.graphs.get("chat")).getStateHistory({ configurable: { thread_id: thread_uuid } })) expected.push(s);
    expect(all.map((c) => c.checkpoint_id)).toEqual(expected.map((s) => s.config.configurable!.checkpoint_id));
    const parentNext = (i: number) => expected[i + 1]?.next ?? [];
    expect(all.map((c, i) => (c.source === "loop" ? c.writers.join() === parentNext(i).join() : true))).not.toContain(false);
    expect([...all].reverse().map((c) => `${c.source}:${c.writers.join("+")}`)).toEqual([
      "input:__input__", "loop:__start__", "loop:agent", "loop:tools", "loop:agent", "update:__update__",
    ]);

    const first = all.find((c) => c.writers.includes("tools"))!;
    expect((await post(`/api/threads/${threadId}/head`, { checkpoint_id: first.checkpoint_id })).status).toBe(200);
    expect((await history())[0]).toMatchObject({ source: "fork", writers: ["__copy__"] });

    // Run again from an old checkpoint without input: LangGraph copies it first, then runs its next.
    const beforeTools = all.find((c) => c.source === "loop" && c.writers.includes("agent") && expected.find((s) => s.config.configurable!.checkpoint_id === c.checkpoint_id)!.next.includes("tools"))!;
    t.mock.script({ text: "again" });
    try {
      const run = await post(`/threads/${thread_uuid}/runs/wait`, { assistant_id: "chat", input: null, checkpoint_id: beforeTools.checkpoint_id });
      expect(run.status).toBe(200);
    } finally {
      t.mock.script(() => ({ text: `reply ${++replies}` }));
    }
    // The run's steps after the copy, once they are all written.
    let branched = await history();
    const copyAt = () => branched.findIndex((c) => c.source === "fork" && c.parent_checkpoint_id === beforeTools.checkpoint_id);
    await expect.poll(async () => ((branched = await history()), copyAt()), { timeout: 5000 }).toBeGreaterThan(0);
    const copy = copyAt();
    expect(branched[copy - 1]).toMatchObject({ source: "loop", writers: ["tools"], parent_checkpoint_id: branched[copy].checkpoint_id });

  });

  it("returns the state at any checkpoint and at the head", async () => {
    const threadId = await newThread("alpha", "beta");
    const { checkpoints } = await get(`/api/threads/${threadId}/history?limit=200`);
    const middle = checkpoints.find((c: { next: string[] }) => c.next.includes("agent"));
    const state = await get(`/api/threads/${threadId}/state?checkpoint_id=${middle.checkpoint_id}`);
    const lg = await (await t.service.graphs.get("chat")).getState({ configurable: { thread_id: threadId, checkpoint_id: middle.checkpoint_id } });
    expect(state.values.messages.map((m: Msg) => m.id)).toEqual(lg.values.messages.map((m: { id: string }) => m.id));
    expect(state).toMatchObject({ checkpoint_id: middle.checkpoint_id, next: ["agent"] });
    const head = await get(`/api/threads/${threadId}/state`);
    expect(head.values.messages.map((m: Msg) => m.content)).toEqual(["alpha", expect.stringMatching(/^reply/), "beta", expect.stringMatching(/^reply/)]);
    expect(head.next).toEqual([]);
  });

  // Edit → a sibling of the user message; regenerate → a sibling of the reply; the head can go back.
  it("edits, regenerates and switches the head branch, keeping every branch", async () => {
    const threadId = await newThread("first", "second");
    const before = (await get(`/api/threads/${threadId}`)).messages as Msg[];
    const edited = await readSse(await post(`/api/threads/${threadId}/messages/${before[2].id}/edit`, { content: "second, edited" }));
    expect(edited.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    let now = (await get(`/api/threads/${threadId}`)).messages as Msg[];
    expect(now.map((m) => m.content).slice(0, 3)).toEqual(["first", before[1].content, "second, edited"]);
    expect(now[2].siblings).toEqual({ count: 2, index: 1, ids: [before[2].id, now[2].id] });
    expect(now[0].siblings.count).toBe(1);
    // The model was sent the branch up to the edit, not the old second turn.
    expect(t.mock.requests.at(-1)!.messages.map((m: { content: string }) => m.content).slice(1)).toEqual(["first", before[1].content, "second, edited"]);

    const regenerated = await readSse(await post(`/api/threads/${threadId}/messages/${now[3].id}/regenerate`));
    expect(regenerated.events.at(-1)!.data.status).toBe("success");
    const afterRegen = (await get(`/api/threads/${threadId}`)).messages as Msg[];
    expect(afterRegen[3].siblings).toEqual({ count: 2, index: 1, ids: [now[3].id, afterRegen[3].id] });
    expect(afterRegen.slice(0, 3).map((m) => m.id)).toEqual(now.slice(0, 3).map((m) => m.id));
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);

    const requests = t.mock.requests.length;
    const back = await post(`/api/threads/${threadId}/head`, { message_id: before[3].id });
    expect(back.status).toBe(200);
    now = (await back.json()).messages;
    expect(now.map((m) => m.id)).toEqual(before.map((m) => m.id));
    expect(t.mock.requests.length).toBe(requests);
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);

    const tree = await get(`/api/threads/${threadId}/export?format=json&branches=all`);
    expect(tree.branches).toBe("all");
    expect(tree.messages).toHaveLength(4 + 2 + 1);
    expect(tree.messages.filter((m: { on_head_branch: boolean }) => m.on_head_branch).map((m: Msg) => m.id).sort()).toEqual(before.map((m) => m.id).sort());
    const markdown = await (await fetch(`${t.url}/api/threads/${threadId}/export?format=markdown&branches=all`)).text();
    expect(markdown).not.toContain("second, edited");
  });

  // A UI shows "‹ 1 / 3 ›", "‹ 2 / 3 ›", "‹ 3 / 3 ›": every sibling counts them all, whichever is the head.
  it("gives every sibling the same count and ids, and its own index", async () => {
    const threadId = await newThread("first", "second");
    const start = (await get(`/api/threads/${threadId}`)).messages as Msg[];
    for (const content of ["second, take two", "second, take three"]) {
      await readSse(await post(`/api/threads/${threadId}/messages/${start[2].id}/edit`, { content }));
    }
    const users = await siblingIds(threadId, 2);
    expect([users.length, users[0]]).toEqual([3, start[2].id]);
    await expectSiblingsAtEachPosition(threadId, 2, users);

    const head = (await get(`/api/threads/${threadId}`)).messages as Msg[];
    for (let i = 0; i < 2; i++) await readSse(await post(`/api/threads/${threadId}/messages/${head[3].id}/regenerate`));
    const replies = await siblingIds(threadId, 3);
    expect([replies.length, replies[0]]).toEqual([3, head[3].id]);
    await expectSiblingsAtEachPosition(threadId, 3, replies);
    // A message without siblings counts itself alone.
    expect((await get(`/api/threads/${threadId}`)).messages[0].siblings).toEqual({ count: 1, index: 0, ids: [start[0].id] });
  });

  const siblingIds = async (threadId: string, position: number) => ((await get(`/api/threads/${threadId}`)).messages as Msg[])[position].siblings.ids;

  /** Makes each sibling the head in turn: each says it is `index` of `count`, over the same ids. */
  async function expectSiblingsAtEachPosition(threadId: string, position: number, ids: string[]) {
    for (const [index, id] of ids.entries()) {
      const switched = await post(`/api/threads/${threadId}/head`, { message_id: id });
      expect(switched.status).toBe(200);
      for (const messages of [(await switched.json()).messages, (await get(`/api/threads/${threadId}`)).messages] as Msg[][]) {
        expect([messages[position].id, messages[position].siblings]).toEqual([id, { count: ids.length, index, ids }]);
      }
    }
  }

  it("edits the first message of a thread", async () => {
    const threadId = await newThread("hello");
    const [first] = (await get(`/api/threads/${threadId}`)).messages as Msg[];
    await readSse(await post(`/api/threads/${threadId}/messages/${first.id}/edit`, { content: "hello again" }));
    const now = (await get(`/api/threads/${threadId}`)).messages as Msg[];
    expect(now.map((m) => m.content)).toEqual(["hello again", expect.stringMatching(/^reply/)]);
    expect(now[0].siblings).toMatchObject({ count: 2, index: 1 });
  });

  it("runs from a checkpoint in place with POST /api/chat checkpoint_id, and forks into a new thread", async () => {
    const threadId = await newThread("a", "b");
    const { checkpoints } = await get(`/api/threads/${threadId}/history?limit=200`);
    const afterFirstTurn = checkpoints.find((c: { next: string[]; step: number }) => c.next.length === 0 && c.step > 0 && c !== checkpoints[0]);
    const res = await chat(t.url, { message: "b2", thread_id: threadId, checkpoint_id: afterFirstTurn.checkpoint_id });
    expect(res.events.at(-1)!.data.status).toBe("success");
    expect((await transcript(threadId)).slice(0, 3)).toEqual(["user: a", expect.stringMatching(/^assistant: reply/), "user: b2"]);

    const fork = await post(`/api/threads/${threadId}/fork`, {});
    expect(fork.status).toBe(201);
    const forked = await fork.json();
    expect(fork.headers.get("location")).toBe(`/api/threads/${forked.thread_id}`);
    expect(forked.metadata).toMatchObject({ forked_from: threadId });
    expect(await transcript(forked.thread_id)).toEqual(await transcript(threadId));
    await chat(t.url, { message: "only in the fork", thread_id: forked.thread_id });
    expect(await transcript(threadId)).not.toContain("user: only in the fork");
    expect((await transcript(forked.thread_id)).at(-2)).toBe("user: only in the fork");
    await expectMirrorMatchesCheckpoint(t.db.pool, forked.thread_id);

    const early = await post(`/api/threads/${threadId}/fork`, { checkpoint_id: afterFirstTurn.checkpoint_id });
    expect(await transcript((await early.json()).thread_id)).toEqual(["user: a", expect.stringMatching(/^assistant: reply/)]);
  });

  // Found by the fuzz (test/fuzz): a thread deleted while it was being forked made the fork's INSERT … SELECT
  // return no row, and the fork a 500. The delete is made to land exactly there: a SHARE lock on threads
  // lets the fork read the thread but holds its INSERT, and the same transaction deletes the thread.
  it("answers a fork of a thread deleted meanwhile with a 404", async () => {
    const threadId = await newThread("soon gone");
    const locker = new pg.Client({ connectionString: t.db.url });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE threads IN SHARE MODE");
      const fork = post(`/api/threads/${threadId}/fork`, {});
      const forkWaits = async () =>
        (await t.db.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO threads%'")).rowCount === 1;
      while (!(await forkWaits())) await new Promise((r) => setTimeout(r, 20));
      await locker.query("DELETE FROM threads WHERE thread_id = $1", [threadId]);
      await locker.query("COMMIT");
      const res = await fork;
      expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({ status: 404, type: "application/problem+json; charset=utf-8" });
      expect((await res.json()).detail).toContain(threadId);
    } finally {
      await locker.end();
    }
  });

  it("answers bad branching requests with problems", async () => {
    const threadId = await newThread("x");
    const [user, reply] = (await get(`/api/threads/${threadId}`)).messages as Msg[];
    const missing = "00000000-0000-4000-8000-000000000000";
    const cases: [Promise<Response>, number][] = [
      [post(`/api/threads/${threadId}/messages/${reply.id}/edit`, { content: "no" }), 400],
      [post(`/api/threads/${threadId}/messages/${user.id}/regenerate`, {}), 400],
      [post(`/api/threads/${threadId}/messages/nope/edit`, { content: "no" }), 404],
      [post(`/api/threads/${threadId}/messages/${user.id}/edit`, {}), 400],
      [post(`/api/threads/${threadId}/head`, { checkpoint_id: missing }), 404],
      [post(`/api/threads/${threadId}/head`, {}), 400],
      [post(`/api/threads/${threadId}/fork`, { checkpoint_id: missing }), 404],
      [fetch(`${t.url}/api/threads/${threadId}/state?checkpoint_id=${missing}`), 404],
      [fetch(`${t.url}/api/threads/${missing}/history`), 404],
    ];
    for (const [response, status] of cases) {
      const r = await response;
      expect({ status: r.status, type: r.headers.get("content-type") }).toEqual({ status, type: "application/problem+json; charset=utf-8" });
    }
  });
});

describe("branching across tenants", () => {
  it("answers another tenant's thread with 404 on every branching route", async () => {
    const t = await startTestService({ env: { API_KEYS: "key-aaaaaaaa:tenantA:alice,key-bbbbbbbb:tenantB:bob" } });
    try {
      const a = { authorization: "Bearer key-aaaaaaaa", "content-type": "application/json" };
      const b = { authorization: "Bearer key-bbbbbbbb", "content-type": "application/json" };
      const threadId = (await chat(t.url, { message: "mine" }, { authorization: "Bearer key-aaaaaaaa" })).headers.get("x-thread-id")!;
      const [user] = (await (await fetch(`${t.url}/api/threads/${threadId}`, { headers: a })).json()).messages;
      const routes: [string, string, unknown?][] = [
        ["GET", "history"], ["GET", "state"], ["POST", "head", { message_id: user.id }], ["POST", "fork", {}],
        ["POST", `messages/${user.id}/edit`, { content: "theirs" }],
      ];
      for (const [method, path, body] of routes) {
        const r = await fetch(`${t.url}/api/threads/${threadId}/${path}`, { method, headers: b, body: body === undefined ? undefined : JSON.stringify(body) });
        expect([path, r.status]).toEqual([path, 404]);
      }
    } finally {
      await t.close();
    }
  });
});
