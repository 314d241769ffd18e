import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKPOINT_SCHEMA } from "../src/db/create-checkpointer.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";
import { writeManifest, type WrittenManifest } from "./helpers/write-manifest.js";

const CHAT_GRAPH = path.join(fileURLToPath(new URL("..", import.meta.url)), "graphs/chat.ts:graph");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("checkpointer.ttl in langgraph.json", () => {
  let db: TestDatabase;
  const manifests: WrittenManifest[] = [];
  const count = async (sql: string, threadId: string) => (await db.pool.query(`SELECT count(*)::int AS n FROM ${sql}`, [threadId])).rows[0].n as number;
  const checkpointsOf = (threadId: string) => count(`${CHECKPOINT_SCHEMA}.checkpoints WHERE thread_id = $1`, threadId);
  const withTtl = async (ttl: Record<string, unknown>) => {
    const manifest = await writeManifest({ graphs: { chat: CHAT_GRAPH }, checkpointer: { ttl } });
    manifests.push(manifest);
    return manifest.file;
  };
  const turn = async (t: TestService, message: string, threadId?: string) => {
    const res = await chat(t.url, { message, ...(threadId && { thread_id: threadId }) });
    expect(res.events.at(-1)!.data).toMatchObject({ status: "success" });
    return res.headers.get("x-thread-id")!;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const m of manifests) await m.remove();
  });

  let before: string;
  it("is off by default: a sweep without checkpointer.ttl or CHECKPOINT_PRUNE_AFTER_MINUTES removes nothing", async () => {
    const t = await startTestService({ db, script: { text: "hello" } });
    try {
      before = await turn(t, "kept forever");
      await turn(t, "and again", before);
      const checkpoints = await checkpointsOf(before);
      await sleep(100);
      expect(t.service.retention.enabled).toBe(false);
      expect(await t.service.retention.sweepOnce()).toEqual({ deletedThreads: 0, prunedCheckpoints: 0 });
      expect(await checkpointsOf(before)).toBe(checkpoints);
      expect((await db.pool.query("SELECT count(*)::int AS n FROM retention_sweeps")).rows[0].n).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('"delete": a thread idle for default_ttl minutes goes with all it holds; one changed since stays; one idle from before the TTL was set is left', async () => {
    // 0.01 minutes: 600 ms.
    const t = await startTestService({ db, script: { text: "hello" }, env: { LANGGRAPH_JSON: await withTtl({ strategy: "delete", default_ttl: 0.01, sweep_interval_minutes: 60 }) } });
    try {
      const expiring = await turn(t, "soon gone");
      await turn(t, "still soon gone", expiring);
      await sleep(1_000);
      const fresh = await turn(t, "just now");
      expect(await t.service.retention.sweepOnce()).toEqual({ deletedThreads: 1, prunedCheckpoints: 0 });
      expect((await fetch(`${t.url}/api/threads/${expiring}`)).status).toBe(404);
      expect((await fetch(`${t.url}/threads/${expiring}/state`)).status).toBe(404);
      expect(await checkpointsOf(expiring)).toBe(0);
      expect(await count(`${CHECKPOINT_SCHEMA}.checkpoint_blobs WHERE thread_id = $1`, expiring)).toBe(0);
      expect(await count(`${CHECKPOINT_SCHEMA}.checkpoint_writes WHERE thread_id = $1`, expiring)).toBe(0);
      expect(await count(`messages WHERE thread_id = $1::uuid`, expiring)).toBe(0);
      expect(await count(`runs WHERE thread_id = $1::uuid`, expiring)).toBe(0);
      expect((await fetch(`${t.url}/api/threads/${fresh}`)).status).toBe(200);
      expect((await fetch(`${t.url}/api/threads/${before}`)).status).toBe(200);
      // Used again, it is due again once idle that long.
      await turn(t, "back again", fresh);
      await sleep(1_000);
      expect(await t.service.retention.sweepOnce()).toEqual({ deletedThreads: 1, prunedCheckpoints: 0 });
      expect((await fetch(`${t.url}/api/threads/${fresh}`)).status).toBe(404);
      expect((await fetch(`${t.url}/api/threads/${before}`)).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('"keep_latest": an idle thread keeps its newest checkpoint and every message; older ids answer 410', async () => {
    const keepDb = await createTestDatabase();
    const t = await startTestService({ db: keepDb, script: { text: "hello" }, env: { LANGGRAPH_JSON: await withTtl({ strategy: "keep_latest", default_ttl: 0.01 }) } });
    try {
      const threadId = await turn(t, "one");
      await turn(t, "two", threadId);
      const { rows } = await keepDb.pool.query(`SELECT checkpoint_id FROM ${CHECKPOINT_SCHEMA}.checkpoints WHERE thread_id = $1 ORDER BY checkpoint_id`, [threadId]);
      const state = await (await fetch(`${t.url}/threads/${threadId}/state`)).json();
      const transcript = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
      await sleep(1_000);
      expect(await t.service.retention.sweepOnce()).toEqual({ deletedThreads: 0, prunedCheckpoints: rows.length - 1 });
      const left = (await keepDb.pool.query(`SELECT checkpoint_id FROM ${CHECKPOINT_SCHEMA}.checkpoints WHERE thread_id = $1`, [threadId])).rows;
      expect(left.map((r) => r.checkpoint_id)).toEqual([rows.at(-1)!.checkpoint_id]);
      expect((await (await fetch(`${t.url}/threads/${threadId}/state`)).json()).values).toEqual(state.values);
      expect(await (await fetch(`${t.url}/api/threads/${threadId}`)).json()).toEqual(transcript);
      const old = await fetch(`${t.url}/threads/${threadId}/state/${rows[0].checkpoint_id}`);
      expect(old.status).toBe(410);
      expect((await old.json()).detail).toMatch(/pruned by retention \(checkpointer\.ttl \(keep_latest\)\)/);
      await turn(t, "three", threadId);
    } finally {
      await t.close();
    }
  });
});
