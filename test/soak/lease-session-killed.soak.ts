import { afterAll, describe, expect, it, vi } from "vitest";
import { AgentLoad } from "../helpers/agent-load.js";
import { ChatLoad } from "../helpers/chat-load.js";
import { killLeaseSession, killService, startCrashableService } from "../helpers/crashing-service.js";
import { holdTable } from "../helpers/hold-table.js";
import { openChat, words, type LiveChat } from "../helpers/live-chat.js";
import { auditLoad, describeAudit } from "../helpers/load-audit.js";
import { startMockOpenAI, type MockOpenAI, type MockReply, type MockRequest } from "../helpers/mock-openai.js";
import type { ServiceProcess } from "../helpers/service-process.js";
import { chat } from "../helpers/sse-client.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";
import { OUTBOX_TABLE, RECORDING_EMAIL, sentEmails } from "../helpers/outbox.js";

const CHAT_CLIENTS = 12;
const AGENT_CLIENTS = 3;
const KILLS = 3;
const EMAIL = { to: "bob@example.com", subject: "Lunch", body: "Noon?" };

// Streamed replies; asking to "email" gets a send_email call, and a tool result is answered.
function model(req: MockRequest): MockReply {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: words(10), tokenDelayMs: 20 };
  if (/email/.test(String(last?.content))) return { toolCalls: [{ name: "send_email", args: EMAIL }] };
  return { text: words(30), tokenDelayMs: 20 };
}

const postChat = (url: string, body: unknown) => fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

// Cap: 150 s (measured about 20 s on a shared 2-core machine).
describe("soak: the lease session of an npm start process killed three times under load", () => {
  let mock: MockOpenAI | undefined;
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    if (service) await killService(service);
    await mock?.close();
  });

  it("re-takes its lease; no live run reaped; a second run on a busy thread gets 409; nothing runs twice; each approved e-mail recorded once", async () => {
    const began = Date.now();
    const db: TestDatabase = await createTestDatabase();
    mock = await startMockOpenAI(model);
    // A lease of 10 s (see database-outage.soak.ts): a run stopped here must be the kill's doing.
    service = await startCrashableService(db, mock, { RUN_QUEUE_POLL_MS: "300", LEASE_TTL_MS: "10000" });
    const url = service.url;
    const epoch = async () => (await db.pool.query("SELECT epoch::int FROM workers")).rows[0]?.epoch as number;
    const load = new ChatLoad({ clients: CHAT_CLIENTS, prefix: "lease", urls: () => [url] });
    const agent = new AgentLoad({ clients: AGENT_CLIENTS, prefix: "lease-agent", urls: () => [url] });
    const approvals: LiveChat[] = [];
    const secondRuns: string[] = [];
    const epochs = [await epoch()];
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        await load.everyClientAnswered();
        const paused = await chat(url, { message: `please email bob about lunch ${kill}` });
        expect(paused.events.at(-1)!.data.status).toBe("interrupted");
        const emailThread = paused.headers.get("x-thread-id")!;
        // The approved tool's insert waits behind this lock, the other runs' checkpoint writes behind the other.
        const outbox = await holdTable(db.pool, OUTBOX_TABLE);
        try {
          const approval = await openChat(url, { thread_id: emailThread, resume: { decision: "approve" } });
          approvals.push(approval);
          await vi.waitFor(async () => {
            const { rows } = await db.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1", [RECORDING_EMAIL]);
            expect(rows).toHaveLength(1);
          }, { timeout: 15_000 });
          const writes = await holdTable(db.pool, "langgraph.checkpoint_writes");
          try {
            const { rows: busy } = await db.pool.query(
              "SELECT r.run_id, t.thread_id, t.client_thread_id FROM runs r JOIN threads t USING (thread_id) WHERE r.status = 'running' AND r.kwargs IS NULL",
            );
            expect(busy.length).toBeGreaterThan(1);
            await killLeaseSession(db.pool);
            for (const { run_id: runId, thread_id: id, client_thread_id: name } of busy) {
              const second = await postChat(url, { message: "a second run", thread_id: name ?? id });
              await second.body?.cancel();
              // A run already past its last checkpoint write is not held by the lock and may have ended
              // by itself (success) meanwhile: its thread was free, and a second run may start.
              const { rows } = await db.pool.query("SELECT status FROM runs WHERE run_id = $1", [runId]);
              secondRuns.push(second.status === 200 ? `200 after the first ended ${rows[0].status}` : String(second.status));
            }
          } finally {
            await writes.release();
          }
        } finally {
          await outbox.release();
        }
        await vi.waitFor(async () => expect(await epoch()).toBeGreaterThan(epochs.at(-1)!), { timeout: 10_000 });
        epochs.push(await epoch());
      }
      await load.everyClientAnswered();
    } finally {
      await Promise.all([load.stop(), agent.stop()]);
    }
    for (const approval of approvals) await approval.readToEnd();

    await vi.waitFor(async () => {
      const { rows } = await db.pool.query("SELECT (SELECT count(*) FROM runs WHERE status IN ('pending', 'running'))::int + (SELECT count(*) FROM threads WHERE status = 'busy')::int AS n");
      expect(rows[0].n, "runs or threads still busy").toBe(0);
    }, { timeout: 30_000, interval: 200 });
    const audit = await auditLoad(db.pool, url, load.turns, agent.runs);
    const { rows: attempts } = await db.pool.query("SELECT attempt, count(*)::int AS n FROM runs WHERE kwargs IS NOT NULL GROUP BY attempt");
    const emails = await sentEmails(db.pool);
    const perThread = new Map<string, number>();
    for (const e of emails) perThread.set(e.thread_id, (perThread.get(e.thread_id) ?? 0) + 1);
    const sent = [...perThread].map(([thread_id, n]) => ({ thread_id, n }));
    const exit = await service.stop();
    console.log(describeAudit("lease session killed (soak)", audit, {
      epochs, secondRuns: countBy(secondRuns), agentAttempts: attempts, emailsRecorded: sent.map((r) => r.n), exit, seconds: (Date.now() - began) / 1000,
    }));

    expect(audit.acknowledged).toBeGreaterThan(0);
    expect({ lost: audit.lost, duplicated: audit.duplicated, stuck: audit.stuck, mirrorDiffers: audit.mirrorDiffers, toldOtherwise: audit.toldOtherwise })
      .toEqual({ lost: [], duplicated: [], stuck: [], mirrorDiffers: [], toldOtherwise: [] });
    // No live run was reaped or stopped: every run ended by itself (the e-mail requests paused for approval).
    expect(Object.keys(audit.ended).filter((k) => k !== "success" && k !== "interrupted")).toEqual([]);
    expect(load.turns.filter((x) => x.broken || x.last?.event === "error")).toEqual([]);
    // A second run on a thread whose run was still running is refused; the lease being taken again changes nothing.
    expect(secondRuns.filter((s) => s !== "409" && s !== "200 after the first ended success")).toEqual([]);
    expect(secondRuns.filter((s) => s === "409").length).toBeGreaterThan(secondRuns.length / 2);
    // No run executed twice: every Agent Server run in its first attempt; each approval sent its e-mail once.
    expect(attempts.map((r) => r.attempt)).toEqual([1]);
    for (const approval of approvals) {
      expect(approval.events.filter((e) => e.event === "tool_end")).toHaveLength(1);
      expect(approval.events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
    }
    expect(sent.map((r) => r.n)).toEqual(Array(KILLS).fill(1));
    expect(exit).toBe(0);
  }, 150_000);
});

function countBy(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of keys) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}
