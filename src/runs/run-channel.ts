import type { RunEvent } from "../streaming/run-event.js";

export type RunListener = (event: RunEvent, seq: number) => void;

/**
 * Fans a run's events out to whoever listens (an SSE response, a test). The run never waits for
 * a listener, and a listener that throws is dropped rather than allowed to break the run.
 */
export class RunChannel {
  private seq = 0;
  private readonly listeners = new Set<RunListener>();

  subscribe(listener: RunListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: RunEvent): void {
    const seq = ++this.seq;
    for (const listener of this.listeners) {
      try {
        listener(event, seq);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }
}
