import type { RunClaim } from "../runs/run-claim.js";

/**
 * A blob or a message as a parameter of its own: a Buffer goes to the server as it is (an array of
 * them would first be written out in hex, in one piece).
 */
export function bytes(b: Uint8Array | string): Buffer {
  return typeof b === "string" ? Buffer.from(b) : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** The fenced statements' claim parameters: the run, its worker and its lease epoch. */
export function fence(claim: RunClaim | undefined): unknown[] {
  return claim ? [claim.runId, claim.workerId, claim.leaseEpoch] : [];
}
