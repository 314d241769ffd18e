import { expect, vi } from "vitest";
import { AgentLoad } from "./agent-load.js";
import { ChatLoad } from "./chat-load.js";
import { killService, startCrashableService, workerIdOf } from "./crashing-service.js";
import { startMockOpenAI, toolThenAnswer } from "./mock-openai.js";
import { auditLoad, type LoadAudit } from "./load-audit.js";
import type { ServiceProcess } from "./service-process.js";
import type { TestDatabase } from "./test-database.js";

export interface ReplicaKillOptions {
  chatClients: number;
  agentClients: number;
  /** Load before the kill waits for this many answers per chat client; after it, as many again. */
  rounds: number;
  /** The kill waits until the doomed replica runs at least this many chat and Agent Server runs. */
  inFlight: { chat: number; agent: number };
}

export interface ReplicaKillOutcome {
  audit: LoadAudit;
  /** Runs the killed replica was running when it died, by kind. */
  killedInFlight: { chat: number; agent: number };
  /** Agent Server runs that ended `success` after being queued again (attempt > 1). */
  agentRequeuedSucceeded: number;
  survivorExit: number | null;
  seconds: number;
}

/**
 * Two `npm start` replicas on one database, chat clients and Agent Server clients spread over both;
 * one replica is SIGKILLed while it runs both kinds of run. The clients go on against the survivor,
 * which takes the dead replica's runs back once its lease expires; then the load is audited.
 */
export async function replicaKill(db: TestDatabase, options: ReplicaKillOptions): Promise<ReplicaKillOutcome> {
  const began = Date.now();
  const mock = await startMockOpenAI(toolThenAnswer(25, 20));
  const env = { RUN_QUEUE_POLL_MS: "300" };
  const replicas: ServiceProcess[] = await Promise.all([startCrashableService(db, mock, env), startCrashableService(db, mock, env)]);
  const [doomed, survivor] = replicas as [ServiceProcess, ServiceProcess];
  let alive = [doomed, survivor];
  const urls = () => alive.map((s) => s.url);
  try {
    const chat = new ChatLoad({ clients: options.chatClients, prefix: "replica", urls });
    const agent = new AgentLoad({ clients: options.agentClients, prefix: "replica-agent", urls });
    for (let i = 0; i < options.rounds; i++) await chat.everyClientAnswered();

    const doomedWorker = workerIdOf(doomed);
    const inFlight = async () => {
      const { rows } = await db.pool.query(
        "SELECT count(*) FILTER (WHERE kwargs IS NULL)::int AS chat, count(*) FILTER (WHERE kwargs IS NOT NULL)::int AS agent FROM runs WHERE worker_id = $1 AND status = 'running'",
        [doomedWorker],
      );
      return rows[0] as { chat: number; agent: number };
    };
    let killedInFlight = { chat: 0, agent: 0 };
    await vi.waitFor(async () => {
      killedInFlight = await inFlight();
      if (killedInFlight.chat < options.inFlight.chat || killedInFlight.agent < options.inFlight.agent) throw new Error(`in flight on the doomed replica: ${JSON.stringify(killedInFlight)}`);
    }, { timeout: 30_000, interval: 20 });
    await killService(doomed);
    alive = [survivor];
    // Counted again now that it is dead: a run seen running just before the kill may have ended before
    // the signal landed. Its lease outlives it by seconds, so what still shows running is what it held.
    killedInFlight = await inFlight();

    for (let i = 0; i < options.rounds; i++) await chat.everyClientAnswered();
    const agentBefore = agent.succeeded();
    await vi.waitFor(() => {
      if (agent.succeeded() < agentBefore + options.agentClients) throw new Error("Agent Server clients have not all had another run succeed");
    }, { timeout: 60_000, interval: 100 });
    await Promise.all([chat.stop(), agent.stop()]);

    // Nothing stuck: what the dead replica held was taken back (its lease expired), the rest ended.
    await vi.waitFor(async () => {
      const { rows } = await db.pool.query("SELECT (SELECT count(*) FROM runs WHERE status IN ('pending', 'running'))::int + (SELECT count(*) FROM threads WHERE status = 'busy')::int AS n");
      if (rows[0].n > 0) throw new Error(`${rows[0].n} runs or threads still busy`);
    }, { timeout: 30_000, interval: 200 });
    const audit = await auditLoad(db.pool, survivor.url, chat.turns, agent.runs);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM runs WHERE kwargs IS NOT NULL AND attempt > 1 AND status = 'success'");
    const survivorExit = await survivor.stop();
    return { audit, killedInFlight, agentRequeuedSucceeded: rows[0].n, survivorExit, seconds: Math.round((Date.now() - began) / 100) / 10 };
  } finally {
    for (const r of replicas) await killService(r);
    await mock.close();
  }
}

/** The guarantee: nothing acknowledged lost, duplicated or stuck; the dead replica's runs taken back. */
export function expectReplicaKillHeld(outcome: Awaited<ReturnType<typeof replicaKill>>): void {
  const { audit } = outcome;
  expect(audit.acknowledged).toBeGreaterThan(0);
  expect(outcome.killedInFlight.chat + outcome.killedInFlight.agent).toBeGreaterThan(0);
  expect({ lost: audit.lost, duplicated: audit.duplicated, stuck: audit.stuck, mirrorDiffers: audit.mirrorDiffers, toldOtherwise: audit.toldOtherwise })
    .toEqual({ lost: [], duplicated: [], stuck: [], mirrorDiffers: [], toldOtherwise: [] });
  // The chat runs the dead replica ran were failed by the survivor; its Agent Server runs queued again and finished there.
  expect(audit.ended["error worker_lost"]).toBeGreaterThanOrEqual(outcome.killedInFlight.chat);
  expect(outcome.agentRequeuedSucceeded).toBeGreaterThanOrEqual(outcome.killedInFlight.agent);
  expect(outcome.survivorExit).toBe(0);
}
