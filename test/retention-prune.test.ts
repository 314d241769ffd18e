import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { CHECKPOINT_SCHEMA } from "../src/db/create-checkpointer.js";
import { createPool } from "../src/db/create-pool.js";
import { RetentionSweeper } from "../src/retention/retention-sweeper.js";
import { expectProblem, postChat } from "./helpers/problem.js";
import { chat, readSse } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

type Row = { checkpoint_id: string; parent_checkpoint_id: string | null; source: string };

// Each turn that asks to calculate takes four loop steps after its input: model (tool call), tools, model.
const script = (req: { messages: { role: string; content: string }[] }) => {
  const last = req.messages.at(-1)!;
  if (last.role === "tool") return { text: `the answer is ${last.content}` };
  return /calc/.test(last.content) ? { toolCalls: [{ name: "calculator", args: { expression: "6*7" } }] } : { text: `reply to ${last.content}` };
};

describe("pruning the intermediate checkpoints of idle threads (CHECKPOINT_PRUNE_AFTER_MINUTES)", () => {
  let t: TestService;
  const get = (path: string) => fetch(`${t.url}${path}`);
  const post = (path: string, body: unknown) => fetch(`${t.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const checkpoints = async (threadId: string): Promise<Row[]> =>
    (await t.db.pool.query(`SELECT checkpoint_id, parent_checkpoint_id, metadata->>'source' AS source FROM ${CHECKPOINT_SCHEMA}.checkpoints WHERE thread_id = $1 AND checkpoint_ns = '' ORDER BY checkpoint_id`, [threadId])).rows;
  const stateAt = async (threadId: string, checkpointId: string) => {
    const res = await get(`/threads/${threadId}/state/${checkpointId}`);
    expect(res.status).toBe(200);
    const { values, next, tasks, checkpoint } = await res.json();
    return { values, next, tasks, checkpoint };
  };

  beforeAll(async () => {
    // 0.0001 minutes: a thread idle for 6 ms is due, so a test makes its turns, then sweeps.
    t = await startTestService({ script, env: { CHECKPOINT_PRUNE_AFTER_MINUTES: "0.0001" } });
  });
  afterAll(() => t.close());

  it("keeps each run's input and last checkpoint and every branch point; their state, the mirror and the export read back the same", async () => {
    const first = await chat(t.url, { message: "calc six times seven" });
    const threadId = first.headers.get("x-thread-id")!;
    await chat(t.url, { message: "calc it again", thread_id: threadId });
    await chat(t.url, { message: "thanks", thread_id: threadId });
    // A branch from the end of the first run: that checkpoint now has two children.
    const branchFrom = first.events.at(-1)!.data.checkpoint_id as string;
    await chat(t.url, { message: "calc once more", thread_id: threadId, checkpoint_id: branchFrom });

    const before = await checkpoints(threadId);
    const children = (id: string) => before.filter((c) => c.parent_checkpoint_id === id);
    const expectedKept = before.filter((c) => c.source !== "loop" || children(c.checkpoint_id).length !== 1 || children(c.checkpoint_id).some((k) => k.source !== "loop"));
    expect(expectedKept.map((c) => c.checkpoint_id)).toContain(branchFrom);
    const states = new Map<string, unknown>();
    for (const c of expectedKept) states.set(c.checkpoint_id, await stateAt(threadId, c.checkpoint_id));
    const exportBefore = await (await get(`/api/threads/${threadId}/export?branches=all`)).text();
    const transcriptBefore = await (await get(`/api/threads/${threadId}`)).json();

    await new Promise((resolve) => setTimeout(resolve, 50));
    const swept = await t.service.retention.sweepOnce();
    const after = await checkpoints(threadId);
    expect(after.map((c) => c.checkpoint_id)).toEqual(expectedKept.map((c) => c.checkpoint_id));
    expect(swept.prunedCheckpoints).toBe(before.length - after.length);
    expect(before.length - after.length).toBeGreaterThanOrEqual(9);
    // The kept ones still form one tree: every parent is a kept checkpoint (the nearest kept ancestor).
    const kept = new Set(after.map((c) => c.checkpoint_id));
    expect(after.filter((c) => c.parent_checkpoint_id && !kept.has(c.parent_checkpoint_id))).toEqual([]);
    for (const c of expectedKept) expect(await stateAt(threadId, c.checkpoint_id)).toEqual(states.get(c.checkpoint_id));
    // No channel value is left that no checkpoint points to, and none that one points to is missing.
    const { rows: orphans } = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM ${CHECKPOINT_SCHEMA}.checkpoint_blobs b WHERE b.thread_id = $1 AND NOT EXISTS (
         SELECT 1 FROM ${CHECKPOINT_SCHEMA}.checkpoints c, jsonb_each_text(c.checkpoint -> 'channel_versions') v
         WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns AND v.key = b.channel AND v.value = b.version
       ) AND NOT EXISTS (
         -- the base a kept list of messages is stored against (message-lists: 'b')
         SELECT 1 FROM ${CHECKPOINT_SCHEMA}.checkpoint_blobs l
         WHERE l.thread_id = b.thread_id AND l.checkpoint_ns = b.checkpoint_ns AND l.channel = b.channel AND l.type = 'msgrefs'
           AND convert_from(l.blob, 'UTF8')::jsonb ->> 'b' = b.version)`,
      [threadId],
    );
    expect(orphans[0].n).toBe(0);
    // Each message is stored once, named by the blobs and writes that stay; none is left unnamed.
    const { rows: stored } = await t.db.pool.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT EXISTS (
         SELECT 1 FROM (SELECT blob FROM ${CHECKPOINT_SCHEMA}.checkpoint_blobs WHERE thread_id = $1 AND type = 'msgrefs'
                        UNION ALL SELECT blob FROM ${CHECKPOINT_SCHEMA}.checkpoint_writes WHERE thread_id = $1 AND type = 'msgrefs') x,
           jsonb_array_elements(convert_from(x.blob, 'UTF8')::jsonb -> 't') r
         WHERE r ->> 0 = m.message_id AND r ->> 1 = m.hash))::int AS unnamed
       FROM ${CHECKPOINT_SCHEMA}.checkpoint_messages m WHERE m.thread_id = $1`,
      [threadId],
    );
    expect(stored[0]).toMatchObject({ unnamed: 0 });
    expect(stored[0].n).toBeGreaterThan(0);
    const { rows: writes } = await t.db.pool.query(`SELECT DISTINCT checkpoint_id FROM ${CHECKPOINT_SCHEMA}.checkpoint_writes WHERE thread_id = $1`, [threadId]);
    expect(writes.filter((w) => !kept.has(w.checkpoint_id))).toEqual([]);

    // The conversation mirror keeps every message: transcript and the all-branches export are unchanged.
    expect(await (await get(`/api/threads/${threadId}/export?branches=all`)).text()).toBe(exportBefore);
    expect(await (await get(`/api/threads/${threadId}`)).json()).toEqual(transcriptBefore);

    // A pruned id answers 410 wherever a checkpoint is addressed; an id that never existed, 404.
    const pruned = before.find((c) => !kept.has(c.checkpoint_id))!.checkpoint_id;
    const never = "1f0c0000-0000-6000-8000-000000000000";
    const gone = new RegExp(`Checkpoint ${pruned} was pruned by retention`);
    const body = await expectProblem(await get(`/threads/${threadId}/state/${pruned}`), 410, gone);
    expect(body).toMatchObject({ title: "Gone", checkpoint_id: pruned, pruned_at: expect.any(String) });
    await expectProblem(await post(`/threads/${threadId}/state/checkpoint`, { checkpoint: { checkpoint_id: pruned } }), 410, gone);
    await expectProblem(await post(`/threads/${threadId}/history`, { before: pruned }), 410, gone);
    await expectProblem(await post(`/threads/${threadId}/runs/wait`, { assistant_id: "chat", input: null, checkpoint_id: pruned }), 410, gone);
    await expectProblem(await post(`/threads/${threadId}/state`, { values: {}, checkpoint_id: pruned }), 410, gone);
    await expectProblem(await get(`/api/threads/${threadId}/state?checkpoint_id=${pruned}`), 410, gone);
    await expectProblem(await post(`/api/threads/${threadId}/fork`, { checkpoint_id: pruned }), 410, gone);
    await expectProblem(await post(`/api/threads/${threadId}/head`, { checkpoint_id: pruned }), 410, gone);
    await expectProblem(await postChat(t.url, { message: "again", thread_id: threadId, checkpoint_id: pruned }), 410, gone);
    await expectProblem(await get(`/threads/${threadId}/state/${never}`), 404, /not found/);
    await expectProblem(await get(`/api/threads/${threadId}/state?checkpoint_id=${never}`), 404, /not found/);
    await expectProblem(await postChat(t.url, { message: "again", thread_id: threadId, checkpoint_id: never }), 404, /not found/);
    // A user message whose checkpoint went cannot be edited (410); a kept reply is regenerated from
    // its run's input: the whole turn runs again, tool call included.
    const messages = transcriptBefore.messages as { id: string; role: string; content: string }[];
    const firstUser = messages.find((m) => m.role === "user")!;
    await expectProblem(await post(`/api/threads/${threadId}/messages/${firstUser.id}/edit`, { content: "calc something else" }), 410, /was pruned by retention/);
    const lastReply = messages.at(-1)!;
    const requests = t.mock.requests.length;
    const regenerated = await readSse(await fetch(`${t.url}/api/threads/${threadId}/messages/${lastReply.id}/regenerate`, { method: "POST" }));
    expect(regenerated.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    expect(t.mock.requests.length - requests).toBe(2);
    const siblings = ((await (await get(`/api/threads/${threadId}`)).json()).messages as { role: string; content: string }[]).map((m) => `${m.role}: ${m.content}`);
    expect(siblings.slice(-2)).toEqual(["tool: 42", "assistant: the answer is 42"]);

    // The thread goes on from its head, and from a kept checkpoint; a second sweep has nothing to do.
    expect((await chat(t.url, { message: "calc the last one", thread_id: threadId })).events.at(-1)!.data).toMatchObject({ status: "success" });
    expect((await chat(t.url, { message: "from the branch point", thread_id: threadId, checkpoint_id: branchFrom })).events.at(-1)!.data).toMatchObject({ status: "success" });
    const fork = await post(`/api/threads/${threadId}/fork`, { checkpoint_id: branchFrom });
    expect(fork.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t.service.retention.sweepOnce();
    const settled = await checkpoints(threadId);
    expect(await t.service.retention.sweepOnce()).toEqual({ deletedThreads: 0, prunedCheckpoints: 0 });
    expect(await checkpoints(threadId)).toEqual(settled);
  });

  it("prunes each thread once when replicas sweep at the same time", async () => {
    const threads: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = (await chat(t.url, { message: `calc ${i}` })).headers.get("x-thread-id")!;
      await chat(t.url, { message: `calc ${i} again`, thread_id: id });
      threads.push(id);
    }
    const total = async () => (await t.db.pool.query(`SELECT count(*)::int AS n FROM ${CHECKPOINT_SCHEMA}.checkpoints WHERE thread_id = ANY($1)`, [threads])).rows[0].n as number;
    const before = await total();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Two more replicas' sweepers, each on a pool of its own, and the service's: all at once.
    const replicas = [1, 2].map(() => new RetentionSweeper({ pool: t.db.track(createPool(t.db.url, { max: 2 })), logger: pino({ level: "silent" }), settings: { pruneAfterMinutes: 0.0001 } }));
    const results = await Promise.all([t.service.retention, ...replicas].map((s) => s.sweepOnce()));
    const pruned = results.reduce((sum, r) => sum + r.prunedCheckpoints, 0);
    expect(pruned).toBe(before - (await total()));
    expect(pruned).toBeGreaterThanOrEqual(threads.length * 6);
    const { rows } = await t.db.pool.query("SELECT thread_id::text AS id, count(*)::int AS n FROM pruned_checkpoints WHERE thread_id = ANY($1::uuid[]) GROUP BY thread_id", [threads]);
    expect(rows.map((r) => [r.id, r.n]).sort()).toEqual(threads.map((id) => [id, 1]).sort());
    for (const id of threads) expect((await fetch(`${t.url}/threads/${id}/state`)).status).toBe(200);
  });

  it("keeps a paused run's checkpoint and its pending interrupt: the pause can still be answered", async () => {
    const res = await post(`/threads`, {});
    const { thread_id } = await res.json();
    const updated = await post(`/threads/${thread_id}/runs/wait`, { assistant_id: "chat", input: { messages: [{ role: "user", content: "calc with a pause" }] }, interrupt_before: ["tools"] });
    expect(updated.status).toBe(200);
    // runs/wait may answer before the run has recorded its end: the thread says when it has paused.
    for (let i = 0; i < 200 && (await (await get(`/threads/${thread_id}`)).json()).status !== "interrupted"; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const paused = await (await get(`/threads/${thread_id}/state`)).json();
    expect(paused.next).toEqual(["tools"]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t.service.retention.sweepOnce();
    expect((await get(`/threads/${thread_id}/state`)).status).toBe(200);
    expect((await (await get(`/threads/${thread_id}/state`)).json()).next).toEqual(["tools"]);
    const resumed = await post(`/threads/${thread_id}/runs/wait`, { assistant_id: "chat", input: null });
    expect(resumed.status).toBe(200);
    // runs/wait may answer before the run has recorded its end.
    while (t.service.runs.activeCount > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const end = await (await get(`/threads/${thread_id}/state`)).json();
    expect(end.values.messages.at(-1).content).toBe("the answer is 42");
  });
});
