import type { MessageRef } from "./message-lists.js";

/**
 * Built messages by key, least recently used dropped first once the JSON they were built from
 * passes `limit` characters in all. Each key belongs to a group (a thread's namespace), whose
 * entries a read lists to tell the database which messages it need not send (see MessageStore).
 */
export class RecentMessages {
  private readonly entries = new Map<string, { group: string; ref: MessageRef; message: unknown; size: number }>();
  private readonly groups = new Map<string, Set<string>>();
  private size = 0;

  constructor(private readonly limit: number) {}

  get(key: string): unknown {
    return this.entries.get(key)?.message;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(group: string, key: string, ref: MessageRef, message: unknown, size: number): void {
    this.delete(key);
    this.entries.set(key, { group, ref, message, size });
    let keys = this.groups.get(group);
    if (!keys) this.groups.set(group, (keys = new Set()));
    keys.add(key);
    this.size += size;
    for (const [oldest] of this.entries) {
      if (this.size <= this.limit) break;
      this.delete(oldest);
    }
  }

  /** Makes the entry the most recently used, if it is still there. */
  touch(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.entries.delete(key), this.entries.set(key, entry);
  }

  /** The group's entries: key, reference and message. */
  entriesOf(group: string): [key: string, ref: MessageRef, message: unknown][] {
    return [...(this.groups.get(group) ?? [])].map((key) => {
      const entry = this.entries.get(key)!;
      return [key, entry.ref, entry.message];
    });
  }

  /** Keys begin with the thread's id and a NUL. */
  forgetThread(threadId: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${threadId}\0`)) this.delete(key);
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const keys = this.groups.get(entry.group)!;
    keys.delete(key);
    if (keys.size === 0) this.groups.delete(entry.group);
    this.size -= entry.size;
  }
}
