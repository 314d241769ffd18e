import { describe, it } from "vitest";
import { describeAudit } from "./helpers/load-audit.js";
import { expectReplicaKillHeld, replicaKill } from "./helpers/replica-kill.js";
import { createTestDatabase } from "./helpers/test-database.js";

// The quick version of test/soak/replica-kill.soak.ts: a few runs in flight on the replica killed.
describe("SIGKILL of one of two replicas", () => {
  it("loses, duplicates and leaves stuck nothing acknowledged; mirror = state on every thread", async () => {
    const db = await createTestDatabase();
    const outcome = await replicaKill(db, { chatClients: 4, agentClients: 2, rounds: 1, inFlight: { chat: 1, agent: 1 } });
    console.log(describeAudit("replica kill", outcome.audit, { killedInFlight: outcome.killedInFlight, agentRequeuedSucceeded: outcome.agentRequeuedSucceeded, seconds: outcome.seconds }));
    expectReplicaKillHeld(outcome);
  }, 90_000);
});
