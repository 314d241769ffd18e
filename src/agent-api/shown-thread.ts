import type { ThreadRow } from "../conversations/conversation-repository.js";
import { threadUuid } from "../conversations/thread-json.js";

/**
 * A thread as the Agent Server API shows it: its storage key (`threadId`, what checkpoints, runs and
 * LangGraph's own output carry) and the UUID the API shows instead. They differ only for a thread
 * known by a UUID another owner's thread has (migration 0010); its key must then never be shown.
 */
export interface ShownThread {
  threadId: string;
  shownId: string;
}

export const shownThread = (thread: Pick<ThreadRow, "threadId" | "knownAs">): ShownThread => ({ threadId: thread.threadId, shownId: threadUuid(thread) });

/** JSON text (a state, a stream event) with the thread's key replaced by its shown UUID. */
export function shownText(text: string, thread: ShownThread): string {
  return thread.shownId === thread.threadId ? text : text.replaceAll(thread.threadId, thread.shownId);
}

/** JSON text as UTF-8 in pieces (a state, a history) with the thread's key replaced by its shown UUID. */
export function shownBytes(chunks: Buffer[], thread: ShownThread): Buffer[] {
  return thread.shownId === thread.threadId ? chunks : [Buffer.from(shownText(Buffer.concat(chunks).toString("utf8"), thread))];
}

/** A JSON value (a state snapshot, a checkpoint) with the thread's key replaced by its shown UUID. */
export function shownValue<T>(value: T, thread: ShownThread): T {
  return thread.shownId === thread.threadId ? value : (JSON.parse(shownText(JSON.stringify(value), thread)) as T);
}
