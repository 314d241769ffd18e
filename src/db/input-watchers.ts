/**
 * Per thread, who waits for the run's input to be in the thread's state, durably. LangGraph writes
 * the input first as an input checkpoint, which holds it in `__start__` only, not yet in the state's
 * channels (`messages`); the next checkpoint, at the end of the step that applies it, has it there.
 * A process killed between the two leaves the input where no reader sees it and the next run's input
 * replaces it, so a run acknowledges its input only once that next checkpoint is committed.
 * LangGraph writes both in the background ("async" durability) while the graph goes on.
 */
export class InputWatchers {
  private readonly watchers = new Map<string, { input: boolean; applied: () => void }>();

  /** Calls `applied` once, when the thread's next input is in a committed checkpoint's state; returns the unwatch. */
  watch(threadId: string, applied: () => void): () => void {
    const watcher = { input: false, applied: () => {} };
    watcher.applied = () => {
      unwatch();
      applied();
    };
    const unwatch = () => {
      if (this.watchers.get(threadId) === watcher) this.watchers.delete(threadId);
    };
    this.watchers.set(threadId, watcher);
    return unwatch;
  }

  /**
   * Whether a root checkpoint of the thread, of this `source`, is the one a watcher waits for (the
   * first step's after the input checkpoint; an update, a stopped run's saved reply, does not apply
   * the input), or an input checkpoint nobody watches: either must wait for the disk. A watched
   * input checkpoint need not, since the checkpoint that acknowledges it is committed after it and
   * PostgreSQL flushes its WAL in order.
   */
  durable(threadId: string, source: string | undefined): boolean {
    const watcher = this.watchers.get(threadId);
    return source === "input" ? !watcher : source === "loop" && Boolean(watcher?.input);
  }

  /** A root checkpoint of the thread, of this `source`, is committed. */
  committed(threadId: string, source: string | undefined): void {
    const watcher = this.watchers.get(threadId);
    if (!watcher) return;
    if (source === "input") watcher.input = true;
    else if (source === "loop" && watcher.input) watcher.applied();
  }
}
