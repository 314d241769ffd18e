import type { ChannelVersions, SerializerProtocol } from "@langchain/langgraph-checkpoint";
import { type MessageDigest, MessageDigests } from "./message-digests.js";
import { RecentMessages } from "./recent-messages.js";
import { type ListPlan, listKey, MESSAGE_REFS, MessageLists, type MessageRef, type RefsDoc, resolveRefs } from "./message-lists.js";

/** One channel value as written: its key, version, serializer type and bytes (none when empty). */
export type DumpedBlob = [channel: string, version: string, type: string, bytes: Uint8Array | null];

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

/** How much JSON (in characters) the messages kept built after a read may come from. */
const RECENT_CHARS = 64 * 1024 * 1024;

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
      if (!(channel in values)) {
        out.blobs.push([channel, version, "empty", null]);
        continue;
      }
      const digests = await this.digests.digestList(values[channel]);
      if (!digests) {
        const [type, bytes] = await this.serde.dumpsTyped(values[channel]);
        out.blobs.push([channel, version, type, bytes]);
        continue;
      }
      const key = listKey(threadId, ns, channel);
      if (whole) this.lists.forget(key);
      const plan = this.lists.plan(key, version, digests);
      out.plans.push(plan);
      out.blobs.push([channel, version, MESSAGE_REFS, Buffer.from(JSON.stringify(plan.doc))]);
      if (plan.base) out.bases.push([channel, plan.base.version, plan.base.hash]);
      for (const d of plan.messages) {
        const at = `${d.id}\0${d.hash}`;
        if (!added.has(at)) out.messages.push(d), added.add(at);
      }
    }
    return out;
  }

  /**
   * Each row's lists put back into `channelValues`. Decoded messages are shared between the rows of
   * one read; `remember` (a read of the newest checkpoint) lets the next write stand on its lists.
   */
  async assemble(rows: { threadId: string; ns: string; versions: ChannelVersions; channelValues: Record<string, unknown> }[], extra: ListRows, remember: boolean): Promise<void> {
    const docs = new Map<string, RefsDoc>();
    for (const [threadId, ns, channel, version, doc] of extra.lists ?? []) docs.set(`${listKey(threadId, ns, channel)}\0${version}`, doc);
    if (docs.size === 0) return;
    const decoded = new Map<string, unknown>();
    let n = 0;
    for (const [threadId, ns, id, hash, type, json] of extra.messages ?? []) {
      const at = `${threadId}\0${ns}\0${id}\0${hash}`;
      let message = this.recent.get(at);
      if (message === undefined || !this.digests.unchanged(message, hash)) {
        if (++n % SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
        message = await this.serde.loadsTyped(type, json);
        this.digests.remember(message, { id, hash, type, bytes: json });
      }
      this.recent.set(at, message, json.length);
      decoded.set(at, message);
    }
    const done = new Map<string, MessageRef[]>();
    for (const row of rows) {
      for (const [channel, v] of Object.entries(row.versions)) {
        const key = listKey(row.threadId, row.ns, channel);
        const doc = docs.get(`${key}\0${v}`);
        if (!doc) continue;
        // A message missing (never, short of a hand edit) is left out: the thread stays readable.
        const refs = resolveRefs(key, String(v), docs, done) ?? [];
        row.channelValues[channel] = refs.map(([id, hash]) => decoded.get(`${row.threadId}\0${row.ns}\0${id}\0${hash}`)).filter((m) => m !== undefined);
        if (remember && refs.length > 0) this.lists.remember(key, { version: String(v), hash: doc.h, depth: doc.d, refs });
      }
    }
  }

  forgetThread(threadId: string): void {
    this.lists.forgetThread(threadId);
    this.recent.forgetThread(threadId);
  }
}
