import { createHash } from "node:crypto";
import type { MessageDigest } from "./message-digests.js";

/** The `type` of a channel blob holding a list of message references instead of the messages. */
export const MESSAGE_REFS = "msgrefs";

/** A message reference: its id and the hash of its bytes (a row of `checkpoint_messages`). */
export type MessageRef = [id: string, hash: string];

/** A reference as a key (of a message within its thread's namespace). */
export function refKey([id, hash]: MessageRef): string {
  return `${id}\0${hash}`;
}

/**
 * A `msgrefs` blob: the list is the first `k` references of the list stored at version `b` of the
 * same channel (any branch: lists are compared by content, checked by `h`), then `t`. Without `b` it
 * is the whole list. `h` hashes the whole list, `d` counts the bases under it.
 */
export interface RefsDoc {
  h: string;
  d: number;
  b?: string;
  k?: number;
  t: MessageRef[];
}

/**
 * The same format as SQL sees it, for the statements that follow lists down to their bases or
 * collect the messages they name (reads, copies, pruning): besides RefsDoc, the one place that knows
 * its keys. `doc` takes a `msgrefs` blob column; the others take what `doc` returned.
 */
export const refsSql = {
  doc: (blob: string) => `convert_from(${blob}, 'UTF8')::jsonb`,
  /** The version the list stands on; null for a whole list. */
  base: (doc: string) => `(${doc} ->> 'b')`,
  hash: (doc: string) => `(${doc} ->> 'h')`,
  /** The references the doc itself holds, as rows (message_id, hash): `CROSS JOIN LATERAL ${refs} r`. */
  refs: (doc: string) => `(SELECT e ->> 0 AS message_id, e ->> 1 AS hash FROM jsonb_array_elements(${doc} -> 't') e)`,
};

/** What a checkpoint writes for one list: its blob, the base it stands on, the messages it adds. */
export interface ListPlan {
  doc: RefsDoc;
  base?: { version: string; hash: string };
  messages: MessageDigest[];
  commit(): void;
}

interface LastList {
  version: string;
  hash: string;
  depth: number;
  refs: MessageRef[];
}

/** A list known whole: its channel, its version and its references. */
export type WholeList = [channel: string, version: string, refs: MessageRef[]];

interface Remembered extends LastList {
  /** Earlier versions of the list that are its first `length` references (it grew by appending), newest first. */
  prefixes: [version: string, length: number][];
  /** The stamp under which every reference was last found present (see `wholeLists`). */
  wholeAt?: number;
}

/** Threads' lists remembered at most (the most recently written or read). */
const REMEMBERED = 1_000;
/** Earlier versions remembered per list: a history page of 10 checkpoints spans about 8. */
const PREFIXES = 32;

/**
 * Each thread's list as last written or read, per channel, so the next one is stored as what
 * changed: a step appends a message or two, and storing the whole list each time is what made a
 * long thread's checkpoints grow with the square of its length. A full list is written again after
 * max(64, 4√n) changes, which bounds the chain a read follows and keeps storage near-linear.
 */
export class MessageLists {
  private readonly last = new Map<string, Remembered>();
  /** The channels of `last` by thread and namespace (`listKey` without its channel). */
  private readonly channels = new Map<string, Set<string>>();

  plan(key: string, version: string, digests: MessageDigest[]): ListPlan {
    const refs: MessageRef[] = digests.map((d) => [d.id, d.hash]);
    const hash = listHash(refs);
    const before = this.last.get(key);
    const keep = before ? commonPrefix(before.refs, refs) : 0;
    const chained = before !== undefined && keep > 0 && before.depth + 1 <= Math.max(64, 4 * Math.sqrt(refs.length));
    const doc: RefsDoc = chained ? { h: hash, d: before.depth + 1, b: before.version, k: keep, t: refs.slice(keep) } : { h: hash, d: 0, t: refs };
    return {
      doc,
      base: chained ? { version: before.version, hash: before.hash } : undefined,
      messages: chained ? digests.slice(keep) : digests,
      commit: () => this.remember(key, { version, hash, depth: doc.d, refs }),
    };
  }

  /** Remembers a list read (or written): the next write of its channel may stand on it. */
  remember(key: string, list: LastList): void {
    const before = this.last.get(key);
    if (before?.version === list.version) {
      // The same list (a version is written once): only made the most recent.
      this.last.delete(key);
      this.last.set(key, before);
      return;
    }
    let prefixes: Remembered["prefixes"] = [];
    if (before && commonPrefix(before.refs, list.refs) === before.refs.length) prefixes = [[before.version, before.refs.length] as [string, number], ...before.prefixes].slice(0, PREFIXES);
    this.forget(key);
    this.last.set(key, { ...list, prefixes });
    const [group, channel] = splitKey(key);
    let channels = this.channels.get(group);
    if (!channels) this.channels.set(group, (channels = new Set()));
    channels.add(channel);
    if (this.last.size > REMEMBERED) this.forget(this.last.keys().next().value!);
  }

  /**
   * The lists of a thread's namespace known whole: per channel the last one written or read, and
   * those earlier versions of it that it grew from by appending, if `has` holds for each of its
   * references. `stamp` stands for what `has` answers: while it is the one under which a list was
   * found whole, the list is not checked again (a 400-message list: 0.5 ms a read).
   */
  wholeLists(threadId: string, ns: string, stamp: number, has: (ref: MessageRef) => boolean): WholeList[] {
    const group = listKey(threadId, ns, "");
    const out: WholeList[] = [];
    for (const channel of this.channels.get(group) ?? []) {
      const list = this.last.get(group + channel)!;
      if (list.wholeAt !== stamp) {
        if (!list.refs.every(has)) continue;
        list.wholeAt = stamp;
      }
      out.push([channel, list.version, list.refs]);
      for (const [version, length] of list.prefixes) out.push([channel, version, list.refs.slice(0, length)]);
    }
    return out;
  }

  forget(key: string): void {
    if (!this.last.delete(key)) return;
    const [group, channel] = splitKey(key);
    const channels = this.channels.get(group)!;
    channels.delete(channel);
    if (channels.size === 0) this.channels.delete(group);
  }

  forgetThread(threadId: string): void {
    for (const group of this.channels.keys()) {
      if (group.startsWith(`${threadId}\0`)) for (const channel of this.channels.get(group)!) this.forget(group + channel);
    }
  }
}

/** A list's key as its thread's namespace (`listKey` with an empty channel) and its channel. */
function splitKey(key: string): [group: string, channel: string] {
  const at = key.indexOf("\0", key.indexOf("\0") + 1) + 1;
  return [key.slice(0, at), key.slice(at)];
}

export function listKey(threadId: string, ns: string, channel: string): string {
  return `${threadId}\0${ns}\0${channel}`;
}

export function listHash(refs: MessageRef[]): string {
  const h = createHash("sha256");
  for (const [id, hash] of refs) h.update(`${id}\0${hash}\n`);
  return h.digest("base64url").slice(0, 22);
}

/**
 * The whole list at `version` of the list `key`, from the blobs of its chain (`docs`, by
 * `key\0version`); every list of the chain is memoized in `done` for the other checkpoints of one
 * read. Null when a base is missing (never, short of a hand edit).
 */
export function resolveRefs(key: string, version: string, docs: Map<string, RefsDoc>, done: Map<string, MessageRef[]>): MessageRef[] | null {
  const chain: [string, RefsDoc][] = [];
  let at: string | undefined = version;
  let list: MessageRef[] = [];
  for (;;) {
    const memo = done.get(`${key}\0${at}`);
    if (memo) {
      list = memo;
      break;
    }
    const doc = docs.get(`${key}\0${at}`);
    if (!doc) return null;
    chain.push([at, doc]);
    if (doc.b === undefined) break;
    at = doc.b;
  }
  for (const [v, doc] of chain.reverse()) {
    list = doc.b === undefined ? doc.t : [...list.slice(0, doc.k), ...doc.t];
    done.set(`${key}\0${v}`, list);
  }
  return list;
}

function commonPrefix(a: MessageRef[], b: MessageRef[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i][0] === b[i][0] && a[i][1] === b[i][1]) i++;
  return i;
}
