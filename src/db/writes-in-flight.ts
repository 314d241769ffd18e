/**
 * Each thread's checkpoint writes not done yet. LangGraph writes a run's checkpoints in the
 * background and chains them, each started when the one before has landed: whatever writes the
 * thread next, or reads it to record the run, waits for them (see `done`).
 */
export class WritesInFlight {
  private readonly writing = new Map<string, Set<Promise<unknown>>>();

  /** Counts `write` as the thread's until it settles; returns it. */
  track<T>(threadId: string, write: Promise<T>): Promise<T> {
    let pending = this.writing.get(threadId);
    if (!pending) this.writing.set(threadId, (pending = new Set()));
    pending.add(write);
    const done = () => {
      pending.delete(write);
      if (pending.size === 0 && this.writing.get(threadId) === pending) this.writing.delete(threadId);
    };
    write.then(done, done);
    return write;
  }

  /**
   * Resolves once none of the thread's writes is in flight. A stopped graph's stream ends at once,
   * while its checkpoint writes go on.
   */
  async done(threadId: string): Promise<void> {
    for (;;) {
      const pending = this.writing.get(threadId);
      if (pending) await Promise.allSettled(pending);
      // The next write of a chain starts once the one before has landed: look again a turn later.
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.writing.has(threadId)) return;
    }
  }
}
