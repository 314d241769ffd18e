import pg from "pg";
import { ClaimLostError } from "./run-claim.js";

/** An error of threadloom's own code while a run streams (mapping, encoding, recording its events): never shown to clients. */
export class RunInternalError extends Error {
  constructor(cause: unknown) {
    super("threadloom failed while streaming the run", { cause });
    this.name = "RunInternalError";
  }
}

/** What a graph raised, as the Agent Server passes it on: its class name and message. */
export interface GraphException {
  name: string;
  message: string;
}

/**
 * The exception a run failed with when the graph raised it (its nodes, tools, LangGraph itself:
 * GraphRecursionError, a node's CustomError), or null when it is ours (our stream handling, the
 * database under our checkpointer, a lost claim) or not an Error at all: those stay masked.
 */
export function graphException(err: unknown): GraphException | null {
  if (!(err instanceof Error) || err instanceof RunInternalError || err instanceof ClaimLostError || err instanceof pg.DatabaseError) return null;
  return { name: err.name, message: err.message };
}
