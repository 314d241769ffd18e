import type { MessageRef } from "./message-lists.js";

export interface RecentEntry {
  ref: MessageRef;
  message: unknown;
  size: number;
}

interface Group {
  entries: Map<string, RecentEntry>;
  /** Changes whenever an entry of the group is dropped (see `stamp`). */
  stamp: number;
}

/**
 * Built messages by group (a thread's namespace) and key (`refKey`), the least recently used group's
 * oldest entries dropped first once the JSON they were built from passes `limit` characters in all.
 * A read lists its group's entries to tell the database which messages it need not send (see
 * MessageStore); a thread's messages are used together, so a read makes the whole group recent.
 */
export class RecentMessages {
  /** Least recently used first. */
  private readonly groups = new Map<string, Group>();
  private size = 0;
  private stamps = 0;

  constructor(private readonly limit: number) {}

  get(group: string, key: string): unknown {
    return this.groups.get(group)?.entries.get(key)?.message;
  }

  set(group: string, key: string, ref: MessageRef, message: unknown, size: number): void {
    // The group is used: made the most recent.
    const g = this.groups.get(group) ?? { entries: new Map<string, RecentEntry>(), stamp: ++this.stamps };
    this.groups.delete(group);
    this.groups.set(group, g);
    const before = g.entries.get(key);
    if (before) this.size -= before.size, g.entries.delete(key);
    g.entries.set(key, { ref, message, size });
    this.size += size;
    while (this.size > this.limit) {
      const [oldest, o] = this.groups.entries().next().value!;
      const [first, entry] = o.entries.entries().next().value!;
      this.drop(oldest, o, first, entry);
    }
  }

  /** Makes the group the most recently used (a read of it). */
  touch(group: string): void {
    const g = this.groups.get(group);
    if (g) this.groups.delete(group), this.groups.set(group, g);
  }

  /** The group's entries by key (empty when there are none). */
  entriesOf(group: string): ReadonlyMap<string, RecentEntry> {
    return this.groups.get(group)?.entries ?? new Map();
  }

  /**
   * A number that stays the same as long as no entry of the group is dropped: whatever the group held
   * when it was read, it still holds while its stamp is the same. A group made again gets a new one.
   */
  stamp(group: string): number {
    return this.groups.get(group)?.stamp ?? 0;
  }

  /** Groups begin with the thread's id and a NUL. */
  forgetThread(threadId: string): void {
    for (const [name, g] of this.groups) {
      if (!name.startsWith(`${threadId}\0`)) continue;
      for (const [key, entry] of g.entries) this.drop(name, g, key, entry);
    }
  }

  private drop(name: string, g: Group, key: string, entry: RecentEntry): void {
    g.entries.delete(key);
    g.stamp = ++this.stamps;
    this.size -= entry.size;
    if (g.entries.size === 0) this.groups.delete(name);
  }
}
