import { describe, it } from "vitest";
import { describeAudit } from "../helpers/load-audit.js";
import { expectReplicaKillHeld, replicaKill } from "../helpers/replica-kill.js";
import { createTestDatabase } from "../helpers/test-database.js";

// Cap: 120 s (measured about 20 s on a shared 2-core machine).
describe("soak: SIGKILL of one of two replicas under load", () => {
  it("0 acknowledged turns lost, 0 duplicated, 0 stuck; mirror = state on every thread", async () => {
    const db = await createTestDatabase();
    const outcome = await replicaKill(db, { chatClients: 12, agentClients: 4, rounds: 3, inFlight: { chat: 4, agent: 2 } });
    console.log(describeAudit("replica kill (soak)", outcome.audit, { killedInFlight: outcome.killedInFlight, agentRequeuedSucceeded: outcome.agentRequeuedSucceeded, seconds: outcome.seconds }));
    expectReplicaKillHeld(outcome);
  }, 120_000);
});
