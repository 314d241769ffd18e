import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat, readSse } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

// One user per test, so each test sees only its own threads.
const USERS = ["pager", "reader", "exporter", "deleter", "busy"] as const;
const key = (user: (typeof USERS)[number]) => ({ "x-api-key": `key-${user}-000` });

describe("threads API", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS: USERS.map((u) => `key-${u}-000:acme:${u}`).join(",") } });
  });
  afterAll(() => t.close());

  const get = async (path: string, user: (typeof USERS)[number]) => {
    const res = await fetch(`${t.url}${path}`, { headers: key(user) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const getJson = async (path: string, user: (typeof USERS)[number]) => JSON.parse((await get(path, user)).text);

  // Keyset pagination: newest first, no thread twice, none missed, and the last page says so.
  it("lists threads newest first with cursor pagination", async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await chat(t.url, { message: `thread ${i}` }, key("pager"))).headers.get("x-thread-id")!);
    const newestFirst = [...ids].reverse();

    const pages: { threads: { thread_id: string; title: string }[]; next_cursor: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const page = await getJson(`/api/threads?limit=2${cursor ? `&cursor=${cursor}` : ""}`, "pager");
      pages.push(page);
      cursor = page.next_cursor;
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => p.threads.map((th) => th.thread_id))).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);
    expect(pages.map((p) => typeof p.next_cursor)).toEqual(["string", "string", "object"]);
    expect(pages[2].next_cursor).toBeNull();
    expect(pages.flatMap((p) => p.threads.map((th) => th.title))).toEqual(["thread 5", "thread 4", "thread 3", "thread 2", "thread 1"]);

    // A page that ends exactly at the last thread has no next cursor either.
    expect((await getJson("/api/threads?limit=5", "pager")).next_cursor).toBeNull();
    // A new turn makes a thread the newest.
    await chat(t.url, { message: "back to the first", thread_id: ids[0] }, key("pager"));
    const first = await getJson("/api/threads?limit=2", "pager");
    expect(first.threads.map((th: { thread_id: string }) => th.thread_id)).toEqual([ids[0], ids[4]]);
    expect(first.threads[0].title).toBe("thread 1");
  });

  // The thread and its messages as the mirror holds them, with what the model reported on each reply.
  it("returns a thread with its messages, tool calls, usage and timing", async () => {
    t.mock.script([
      { toolCalls: [{ id: "call_7", name: "calculator", args: { expression: "6*7" } }], usage: { prompt_tokens: 20, completion_tokens: 5 } },
      { text: "It is 42.", usage: { prompt_tokens: 31, completion_tokens: 4 }, firstTokenDelayMs: 60 },
    ]);
    const res = await chat(t.url, { message: "  What is\n6*7?  ", metadata: { source: "test" } }, key("reader"));
    const id = res.headers.get("x-thread-id")!;
    const end = res.events.at(-1)!.data;
    const streamed = res.events.filter((e) => e.event === "message").map((e) => e.data.id);

    const thread = await getJson(`/api/threads/${id}`, "reader");
    expect(thread).toMatchObject({
      thread_id: id, title: "What is 6*7?", graph_id: "chat", assistant_id: "chat", status: "idle",
      message_count: 4, head_checkpoint_id: end.checkpoint_id, metadata: {},
    });
    expect(thread.messages.map((m: { id: string }) => m.id)).toEqual(streamed);
    const [user, call, tool, answer] = thread.messages;
    expect(user).toMatchObject({ role: "user", content: "What is\n6*7?", metadata: { source: "test" }, usage: null, model: null, latency_ms: null, ttft_ms: null, parent_id: null });
    expect(call).toMatchObject({
      role: "assistant", content: "", tool_calls: [{ id: "call_7", name: "calculator", args: { expression: "6*7" } }],
      usage: { input_tokens: 20, output_tokens: 5, total_tokens: 25 }, model: "mock-model", status: "complete", parent_id: user.id,
    });
    expect(tool).toMatchObject({ role: "tool", content: "42", tool_call_id: "call_7", name: "calculator", usage: null, parent_id: call.id });
    expect(answer).toMatchObject({ role: "assistant", content: "It is 42.", usage: { input_tokens: 31, output_tokens: 4, total_tokens: 35 }, model: "mock-model" });
    expect(answer.tool_calls).toBeUndefined();
    expect(answer.ttft_ms).toBeGreaterThanOrEqual(60);
    expect(answer.latency_ms).toBeGreaterThanOrEqual(answer.ttft_ms);
    // Each message is dated to the checkpoint it first appeared in: one per step, the answer's last.
    const appeared = thread.messages.map((m: { checkpoint_id: string }) => m.checkpoint_id);
    expect(new Set(appeared).size).toBe(4);
    expect([...appeared].sort()).toEqual(appeared);
    expect(appeared.at(-1)).toBe(end.checkpoint_id);

    // The title stays that of the first user message; the count follows the transcript.
    t.mock.script({ text: "Sure." });
    await chat(t.url, { message: "and 7*8?", thread_id: id }, key("reader"));
    const after = await getJson(`/api/threads/${id}`, "reader");
    expect([after.title, after.message_count, after.messages.length]).toEqual(["What is 6*7?", 6, 6]);

    // Without its messages: the same row, for a page that polls a long thread's status.
    const { messages, ...row } = after;
    expect(messages).toHaveLength(6);
    expect(await getJson(`/api/threads/${id}?messages=false`, "reader")).toEqual(row);
    const bad = await get(`/api/threads/${id}?messages=no`, "reader");
    expect([bad.status, JSON.parse(bad.text).invalid_params?.[0]?.name]).toEqual([400, "messages"]);
  });

  // Each format: the attachment header, the content type, and the exact bytes.
  it("exports a thread as JSON, Markdown and JSON Lines", async () => {
    t.mock.script([{ toolCalls: [{ id: "call_1", name: "calculator", args: { expression: "2+2" } }] }, { text: "It is 4." }]);
    const id = (await chat(t.url, { message: "add 2+2" }, key("exporter"))).headers.get("x-thread-id")!;
    const { messages, ...thread } = await getJson(`/api/threads/${id}`, "exporter");

    const json = await get(`/api/threads/${id}/export?format=json`, "exporter");
    expect(json.status).toBe(200);
    expect(json.headers.get("content-disposition")).toBe(`attachment; filename="thread-${id}.json"`);
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(json.text).toBe(`${JSON.stringify({ thread, messages }, null, 2)}\n`);
    expect((await get(`/api/threads/${id}/export`, "exporter")).text).toBe(json.text);
    // The whole tree is another document: a download of its own, not one that overwrites the transcript.
    const tree = await get(`/api/threads/${id}/export?format=json&branches=all`, "exporter");
    expect([tree.status, tree.headers.get("content-disposition")]).toEqual([200, `attachment; filename="thread-${id}.branches.json"`]);

    const jsonl = await get(`/api/threads/${id}/export?format=jsonl`, "exporter");
    expect(jsonl.headers.get("content-disposition")).toBe(`attachment; filename="thread-${id}.jsonl"`);
    expect(jsonl.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const lines = jsonl.text.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((l) => JSON.parse(l))).toEqual(messages);

    const md = await get(`/api/threads/${id}/export?format=markdown`, "exporter");
    expect(md.headers.get("content-disposition")).toBe(`attachment; filename="thread-${id}.md"`);
    expect(md.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(md.text).toBe(
      [
        "# add 2+2", "", `Thread \`${id}\`, ${thread.created_at}`, "",
        "## User", "", "add 2+2", "",
        "## Assistant", "", 'Calls `calculator` with `{"expression":"2+2"}`', "",
        "## Tool result (calculator)", "", "4", "",
        "## Assistant", "", "It is 4.", "",
      ].join("\n"),
    );
  });

  // Deleting removes the mirror rows and LangGraph's checkpoints, not just the listing.
  it("deletes a thread with its checkpoints and mirror rows", async () => {
    const id = (await chat(t.url, { message: "forget me" }, key("deleter"))).headers.get("x-thread-id")!;
    const count = async (table: string) => Number((await t.db.pool.query(`SELECT count(*) FROM ${table} WHERE thread_id::text = $1`, [id])).rows[0].count);
    const tables = ["langgraph.checkpoints", "langgraph.checkpoint_blobs", "langgraph.checkpoint_writes", "threads", "messages", "runs"];
    for (const table of tables) expect(await count(table), table).toBeGreaterThan(0);

    const del = await fetch(`${t.url}/api/threads/${id}`, { method: "DELETE", headers: key("deleter") });
    expect([del.status, await del.text()]).toEqual([204, ""]);
    for (const table of tables) expect(await count(table), table).toBe(0);
    expect((await get(`/api/threads/${id}`, "deleter")).status).toBe(404);
    expect((await get(`/api/threads/${id}/export`, "deleter")).status).toBe(404);
    expect((await fetch(`${t.url}/api/threads/${id}`, { method: "DELETE", headers: key("deleter") })).status).toBe(404);
    expect((await getJson("/api/threads", "deleter")).threads).toEqual([]);
  });

  // A thread whose run is streaming cannot be deleted; once the run ends it can.
  it("refuses to delete a thread while a run is in progress", async () => {
    t.mock.script({ text: "slow reply", firstTokenDelayMs: 300 });
    const response = await fetch(`${t.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json", ...key("busy") }, body: JSON.stringify({ message: "take a while" }) });
    const id = response.headers.get("x-thread-id")!;
    const streaming = readSse(response);

    const refused = await fetch(`${t.url}/api/threads/${id}`, { method: "DELETE", headers: key("busy") });
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
    expect(await refused.json()).toMatchObject({ status: 409, title: "Conflict", detail: `Thread ${id} has a run in progress; cancel it before deleting the thread.` });

    const done = await streaming;
    expect(done.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    expect((await getJson(`/api/threads/${id}`, "busy")).messages.map((m: { content: string }) => m.content)).toEqual(["take a while", "slow reply"]);
    expect((await fetch(`${t.url}/api/threads/${id}`, { method: "DELETE", headers: key("busy") })).status).toBe(204);
  });
});
