/**
 * Built messages by key, least recently used dropped first once the JSON they were built from
 * passes `limit` characters in all.
 */
export class RecentMessages {
  private readonly entries = new Map<string, { message: unknown; size: number }>();
  private size = 0;

  constructor(private readonly limit: number) {}

  get(key: string): unknown {
    return this.entries.get(key)?.message;
  }

  set(key: string, message: unknown, size: number): void {
    this.delete(key);
    this.entries.set(key, { message, size });
    this.size += size;
    for (const [oldest] of this.entries) {
      if (this.size <= this.limit) break;
      this.delete(oldest);
    }
  }

  /** Keys begin with the thread's id and a NUL. */
  forgetThread(threadId: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${threadId}\0`)) this.delete(key);
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.size -= entry.size;
  }
}
