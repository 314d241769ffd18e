/**
 * Per thread, who waits for its next input checkpoint to be committed: the one LangGraph writes
 * first, holding the run's input, in the background ("async" durability) while the graph goes on. A
 * run waits for it before it acknowledges its input.
 */
export class InputWatchers {
  private readonly watchers = new Map<string, () => void>();

  /** Calls `committed` once, at the thread's next input checkpoint; returns the unwatch. */
  watch(threadId: string, committed: () => void): () => void {
    const once = () => {
      unwatch();
      committed();
    };
    const unwatch = () => {
      if (this.watchers.get(threadId) === once) this.watchers.delete(threadId);
    };
    this.watchers.set(threadId, once);
    return unwatch;
  }

  /** The thread's input checkpoint is committed. */
  committed(threadId: string): void {
    this.watchers.get(threadId)?.();
  }
}
