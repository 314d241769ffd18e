import type { ChannelVersions, SerializerProtocol } from "@langchain/langgraph-checkpoint";
import { type MessageDigest, MessageDigests } from "./message-digests.js";
import { RecentMessages, type RecentEntry } from "./recent-messages.js";
import { listHash, type ListPlan, listKey, MESSAGE_REFS, MessageLists, type MessageRef, type RefsDoc, refKey, resolveRefs, type WholeList } from "./message-lists.js";

/** One channel value as written: its key, version, serializer type and bytes. */
export type DumpedBlob = [channel: string, version: string, type: string, bytes: Uint8Array];

/** What a checkpoint writes: its blobs, the messages new to the store, the lists it stands on. */
export interface DumpedChannels {
  blobs: DumpedBlob[];
  messages: MessageDigest[];
  bases: [channel: string, version: string, hash: string][];
  plans: ListPlan[];
}

/** The extra columns of a read (see message-store-sql `select`): the lists' blobs and their messages. */
export interface ListRows {
  lists: [threadId: string, ns: string, channel: string, version: string, doc: RefsDoc][] | null;
  messages: [threadId: string, ns: string, id: string, hash: string, type: string, json: string][] | null;
}

/** A checkpoint being read: where its lists and its writes' lists go once their messages are built. */
export interface AssembledRow {
  threadId: string;
  ns: string;
  versions: ChannelVersions;
  channelValues: Record<string, unknown>;
  writes: [taskId: string, channel: string, value: unknown][];
}

/**
 * The messages of one thread's namespace built by earlier reads, as a read found them before its
 * statement: the statement leaves them out (see message-store-sql `select`), `assemble` puts them in.
 */
export interface KnownMessages {
  threadId: string;
  ns: string;
  /** By `refKey`, as they were when the read began. */
  entries: [key: string, entry: RecentEntry][];
  /** Lists whose every message is among `entries`: a chain reaching one stops there (see `select`). */
  lists: WholeList[];
}

/** Fetches the messages `assemble` found changed since they were known (rows as ListRows' `messages`). */
export type FetchMessages = (threadId: string, ns: string, refs: MessageRef[]) => Promise<NonNullable<ListRows["messages"]>>;

/** A pending write stored as references, until its messages are built (see `assemble`). */
export class StoredRefs {
  constructor(readonly doc: RefsDoc) {}
}

/** How much JSON (in characters) the messages kept built after a read may come from. */
const RECENT_CHARS = 16 * 1024 * 1024;

/** Messages decoded between two turns of the event loop. */
const SLICE = 500;

/**
 * The saver's side of the message store: a channel holding a list of messages (each with an id) is
 * written as a `msgrefs` blob, the list of its messages' references, each message itself stored once
 * in `checkpoint_messages`; a read puts the lists back together, decoding each message once.
 */
export class MessageStore {
  private readonly digests: MessageDigests;
  private readonly lists = new MessageLists();
  /**
   * Messages recently read, by thread and (id, hash): a thread's next read (each turn begins with
   * one) builds only the messages it has not seen. Messages are values LangGraph replaces, never
   * edits; one whose fields were reassigned all the same is built again (see MessageDigests).
   */
  private readonly recent = new RecentMessages(RECENT_CHARS);

  constructor(private readonly serde: SerializerProtocol) {
    this.digests = new MessageDigests(serde);
  }

  /** The channels of a checkpoint, as written; `whole` writes every list whole (its base was gone). */
  async dump(threadId: string, ns: string, values: Record<string, unknown>, versions: ChannelVersions, whole = false): Promise<DumpedChannels> {
    const out: DumpedChannels = { blobs: [], messages: [], bases: [], plans: [] };
    const added = new Set<string>();
    for (const [channel, v] of Object.entries(versions)) {
      const version = v.toString();
      // A channel emptied at this version (a trigger its node consumed) gets no row: a version
      // without one reads as empty, as the stock saver reads its 'empty' rows (still read, where
      // written before). 400 of the 1,200 rows of a 100-turn tool thread, and their keys.
      if (!(channel in values)) continue;
      const digests = await this.digests.digestList(values[channel]);
      if (!digests) {
        const [type, bytes] = await this.serde.dumpsTyped(values[channel]);
        out.blobs.push([channel, version, type, bytes]);
        continue;
      }
      const key = listKey(threadId, ns, channel);
      if (whole) this.lists.forget(key);
      const plan = this.lists.plan(key, version, digests);
      // Once written, the list's new messages are as good as read: the thread's next read (the
      // next turn's first) need not fetch them, and can stand on this list whole (see `known`).
      const messages = (values[channel] as unknown[]).slice(digests.length - plan.messages.length);
      const group = groupOf(threadId, ns);
      out.plans.push({
        ...plan,
        commit: () => {
          plan.commit();
          plan.messages.forEach((d, i) => this.recent.set(group, refKey([d.id, d.hash]), [d.id, d.hash], messages[i], d.bytes.length));
        },
      });
      out.blobs.push([channel, version, MESSAGE_REFS, Buffer.from(JSON.stringify(plan.doc))]);
      if (plan.base) out.bases.push([channel, plan.base.version, plan.base.hash]);
      for (const d of plan.messages) {
        const key = refKey([d.id, d.hash]);
        if (!added.has(key)) out.messages.push(d), added.add(key);
      }
    }
    return out;
  }

  /**
   * A batch of pending writes as written: a write of a list of messages (a node's new messages) as a
   * `msgrefs` blob of the whole list, its messages stored once for it and the checkpoint after it.
   */
  async dumpWrites(writes: [channel: string, value: unknown][]): Promise<{ blobs: [type: string, bytes: Uint8Array][]; messages: MessageDigest[] }> {
    const blobs: [string, Uint8Array][] = [];
    const messages = new Map<string, MessageDigest>();
    for (const [, value] of writes) {
      const digests = await this.digests.digestList(value);
      if (!digests) {
        const [type, bytes] = await this.serde.dumpsTyped(value);
        blobs.push([type, bytes]);
        continue;
      }
      const refs: MessageRef[] = digests.map((d) => [d.id, d.hash]);
      const doc: RefsDoc = { h: listHash(refs), d: 0, t: refs };
      blobs.push([MESSAGE_REFS, Buffer.from(JSON.stringify(doc))]);
      for (const d of digests) messages.set(refKey([d.id, d.hash]), d);
    }
    return { blobs, messages: [...messages.values()] };
  }

  /**
   * Each row's lists put back into `channelValues`. Decoded messages are shared between the rows of
   * one read; `remember` (a read of the newest checkpoint) lets the next write stand on its lists.
   */
  async assemble(rows: AssembledRow[], extra: ListRows, remember: boolean, known?: KnownMessages, fetch?: FetchMessages): Promise<void> {
    const docs = new Map<string, RefsDoc>();
    for (const [threadId, ns, channel, version, doc] of extra.lists ?? []) docs.set(`${listKey(threadId, ns, channel)}\0${version}`, doc);
    // Built messages by group (thread and namespace), then by refKey.
    const decoded = new Map<string, Map<string, unknown>>();
    const decodedIn = (group: string) => decoded.get(group) ?? decoded.set(group, new Map()).get(group)!;
    const fetched = [...(extra.messages ?? [])];
    if (known) {
      // The statement sent none of these; one whose fields were reassigned since is fetched and built again.
      const group = groupOf(known.threadId, known.ns);
      const built = decodedIn(group);
      const changed: MessageRef[] = [];
      for (const [key, { ref, message }] of known.entries) {
        if (!this.digests.unchanged(message, ref[1])) changed.push(ref);
        else built.set(key, message);
      }
      this.recent.touch(group);
      if (changed.length > 0) {
        if (!fetch) throw new Error("MessageStore.assemble: known messages changed and nothing to fetch them with");
        fetched.push(...(await fetch(known.threadId, known.ns, changed)));
      }
    }
    let n = 0;
    for (const [threadId, ns, id, hash, type, json] of fetched) {
      const group = groupOf(threadId, ns);
      const ref: MessageRef = [id, hash];
      const key = refKey(ref);
      let message = this.recent.get(group, key);
      if (message === undefined || !this.digests.unchanged(message, hash)) {
        if (++n % SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
        message = await this.serde.loadsTyped(type, json);
        this.digests.remember(message, { id, hash, type, bytes: json });
      }
      this.recent.set(group, key, ref, message, json.length);
      decodedIn(group).set(key, message);
    }
    const done = new Map<string, MessageRef[]>();
    for (const [channel, version, refs] of known?.lists ?? []) done.set(`${listKey(known!.threadId, known!.ns, channel)}\0${version}`, refs);
    // A reference's message, by the reference itself: the lists of one read share their references
    // (see resolveRefs), so a page of 10 checkpoints of a 400-message list builds 400 keys, not 4,000.
    const byRef = new Map<MessageRef, unknown>();
    const messageOf = (row: AssembledRow, ref: MessageRef) => {
      if (byRef.has(ref)) return byRef.get(ref);
      const message = decoded.get(groupOf(row.threadId, row.ns))?.get(refKey(ref));
      byRef.set(ref, message);
      return message;
    };
    for (const row of rows) {
      for (const [channel, v] of Object.entries(row.versions)) {
        const key = listKey(row.threadId, row.ns, channel);
        const doc = docs.get(`${key}\0${v}`);
        if (!doc) continue;
        // A message missing (never, short of a hand edit) is left out: the thread stays readable.
        const refs = resolveRefs(key, String(v), docs, done) ?? [];
        row.channelValues[channel] = refs.map((ref) => messageOf(row, ref)).filter((m) => m !== undefined);
        if (remember && refs.length > 0) this.lists.remember(key, { version: String(v), hash: doc.h, depth: doc.d, refs });
      }
      for (const write of row.writes) {
        if (write[2] instanceof StoredRefs) write[2] = write[2].doc.t.map((ref) => messageOf(row, ref)).filter((m) => m !== undefined);
      }
    }
  }

  /** The messages of (threadId, ns) earlier reads built, which a read's statement need not send again. */
  known(threadId: string, ns: string): KnownMessages {
    const group = groupOf(threadId, ns);
    const entries = this.recent.entriesOf(group);
    const lists = this.lists.wholeLists(threadId, ns, this.recent.stamp(group), (ref) => entries.has(refKey(ref)));
    return { threadId, ns, entries: [...entries], lists };
  }

  forgetThread(threadId: string): void {
    this.lists.forgetThread(threadId);
    this.recent.forgetThread(threadId);
  }
}

/**
 * `known` as the read statement's last parameters: thread, namespace, messages' ids and hashes (as
 * JSON pairs), lists' channels and versions (see message-store-sql `select`). `head`: a read of the
 * newest checkpoint, whose lists are the floor's own or stand on them (unless another process wrote
 * them whole), so the floor's messages, which it will not be sent anyway, need not be named (400 on
 * a 100-turn thread: 0.3 ms of the statement's, 0.9 ms as two text arrays).
 */
export function knownParams(known: KnownMessages | undefined, head = false): [string | null, string | null, string, string[], string[]] {
  if (!known) return [null, null, "[]", [], []];
  const named: MessageRef[] = [];
  const floor = head ? floorOf(known) : new Set<string>();
  if (floor !== "all") for (const [key, { ref }] of known.entries) if (!floor.has(key)) named.push(ref);
  return [known.threadId, known.ns, JSON.stringify(named), known.lists.map(([channel]) => channel), known.lists.map(([, version]) => version)];
}

/**
 * The keys of the floor's messages, or "all" when they are every known one: its lists' newest
 * versions hold them all (the others are prefixes of them). Naming is only a saving: a known
 * message left unnamed is sent again and found built (see `assemble`).
 */
function floorOf(known: KnownMessages): Set<string> | "all" {
  const newest = new Map<string, MessageRef[]>();
  for (const [channel, , refs] of known.lists) if (refs.length > (newest.get(channel)?.length ?? -1)) newest.set(channel, refs);
  // A thread of one list holding all the known messages, the usual case, costs no key at all.
  if (newest.size === 1 && [...newest.values()][0].length === known.entries.length) return "all";
  const keys = new Set<string>();
  for (const refs of newest.values()) for (const ref of refs) keys.add(refKey(ref));
  return keys;
}

function groupOf(threadId: string, ns: string): string {
  return `${threadId}\0${ns}`;
}
