import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { decisionsResume, readDecisions, readHitlPause } from "../../graphs/lib/hitl.js";
import { AppError } from "../errors.js";

/** The channel under which LangGraph keeps a paused task's interrupts (one write each) among its pending writes. */
const INTERRUPT = "__interrupt__";

/**
 * Checks a resume value against what the thread's pending pauses ask, before any run: a pause in the
 * standard human-in-the-loop format (see graphs/lib/hitl.ts, either casing) needs one allowed
 * decision per call, and a wrong answer is a 400 naming `field` (`resume`, `command.resume`) while
 * the thread stays paused. Returns the value to resume with: such answers in the casing of the pause
 * they answer (our alias `{decision}` as standard decisions); any other graph's `interrupt()` takes
 * the value as it came. A resume map (`{[interrupt id]: value}`) is checked value by value.
 */
export async function checkResume(checkpointer: BaseCheckpointSaver, threadId: string, resume: unknown, field: string, checkpointId?: string): Promise<unknown> {
  const tuple = await checkpointer.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "", ...(checkpointId && { checkpoint_id: checkpointId }) } });
  const pending = (tuple?.pendingWrites ?? [])
    .filter(([, channel]) => channel === INTERRUPT)
    .flatMap(([, , value]) => (Array.isArray(value) ? value : [value]) as { id?: string; value?: unknown }[]);
  const isMap = typeof resume === "object" && resume !== null && !Array.isArray(resume) && Object.keys(resume).length > 0 && Object.keys(resume).every((key) => pending.some((p) => p.id === key));
  if (isMap) {
    const values = Object.entries(resume as Record<string, unknown>).map(([id, value]) => [id, answer(pending.find((p) => p.id === id)?.value, value, `${field}.${id}`)]);
    return Object.fromEntries(values);
  }
  // A plain value answers every pending pause (LangGraph gives it to each).
  const pauses = pending.filter((p) => readHitlPause(p.value));
  return pauses.reduce((value, p) => answer(p.value, value, field), resume);
}

function answer(interruptValue: unknown, resume: unknown, field: string): unknown {
  const pause = readHitlPause(interruptValue);
  if (!pause) return resume;
  const read = readDecisions(resume, pause);
  if (read.ok) return decisionsResume(read.decisions, pause.casing);
  const fields = read.issues.map((issue) => ({ name: issue.path ? `${field}.${issue.path}` : field, reason: issue.reason }));
  throw new AppError("invalid_request", `Invalid body: ${fields.map((f) => `${f.name}: ${f.reason}`).join("; ")}`, { fields });
}
