import { randomUUID } from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import { ConversationRepository, type Owner, type ThreadRow } from "../conversations/conversation-repository.js";
import { toMessageRows } from "../conversations/message-row.js";
import { toLangChainMessage, type NewMessage } from "../conversations/to-langchain-message.js";
import type { ThreadloomSaver } from "../db/threadloom-saver.js";
import { AppError } from "../errors.js";
import { endingNode } from "./ending-node.js";
import type { GraphRegistry } from "./graph-registry.js";

const count = z.number().int().min(0);

/** An exported thread's own fields, as `GET /api/threads/:id/export?format=json` writes them; others are ignored. */
export const exportedThread = z.object({
  graph_id: z.string().min(1).max(200),
  title: z.string().max(500).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});

/** One message of an export (`messages[]`), read and checked one at a time as the body arrives. */
export const exportedMessage = z
  .object({
    id: z.string().min(1).max(200),
    role: z.enum(["user", "assistant", "tool", "system"]),
    content: z.string().max(1_000_000),
    tool_calls: z.array(z.object({ id: z.string(), name: z.string(), args: z.record(z.string(), z.unknown()) })).optional(),
    tool_call_id: z.string().optional(),
    name: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).default({}),
    status: z.enum(["complete", "partial", "error"]).default("complete"),
    usage: z.object({ input_tokens: count, output_tokens: count, total_tokens: count }).nullable().optional(),
    model: z.string().nullable().optional(),
    provider_id: z.uuid("must be a UUID").nullable().optional(),
    latency_ms: count.nullable().optional(),
    ttft_ms: count.nullable().optional(),
    parent_id: z.string().nullable().optional(),
    on_head_branch: z.boolean().optional(),
    created_at: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((m) => m.role !== "tool" || m.tool_call_id, { message: "a tool message needs its tool_call_id", path: ["tool_call_id"] });

/** What `GET /api/threads/:id/export?format=json[&branches=all]` writes, as an import reads it. */
export interface ThreadExport {
  thread: z.infer<typeof exportedThread>;
  messages: z.infer<typeof exportedMessage>[];
}

type ExportedMessage = ThreadExport["messages"][number];

/** Messages handled between two turns of the event loop, so that a large import never holds it long. */
const BATCH = 500;

/**
 * Recreates an exported thread for `owner`: the head branch becomes the new thread's checkpoint
 * state, the other branches go into the mirror, and every message keeps its id, parent and time, so
 * that exporting again gives the same document apart from ids (thread, checkpoints) and times. The
 * work goes in batches with the event loop free between them; only LangGraph taking the head branch
 * into its state is one piece (its serializer lets go as it writes the checkpoint).
 */
export async function importThread(deps: { pool: pg.Pool; graphs: GraphRegistry; checkpointer: ThreadloomSaver }, owner: Owner, doc: ThreadExport): Promise<ThreadRow> {
  const graph = await deps.graphs.get(doc.thread.graph_id);
  const head = headBranch(doc.messages);
  const conversations = new ConversationRepository(deps.pool);
  const threadId = randomUUID();
  const thread = await conversations.insertImported({
    threadId, owner, graphId: doc.thread.graph_id, assistantId: doc.thread.graph_id, title: doc.thread.title ?? null, metadata: doc.thread.metadata,
  });
  try {
    const headMessages = await inBatches(head, (m) => toLangChainMessage(newMessage(m)));
    const written = await graph.updateState({ configurable: { thread_id: threadId } }, { messages: headMessages }, endingNode(graph));
    const checkpointId = (written.configurable?.checkpoint_id as string | undefined) ?? null;
    // The state is what was written: a new thread's messages, as given (reading it back would decode them all again).
    const headRows = await inBatches(headMessages, (m, i) => ({ ...toMessageRows([m])[0], parentId: i > 0 ? (headMessages[i - 1].id ?? null) : null, position: i }));
    const onHead = new Map(headRows.map((row) => [row.messageId, row]));
    const now = new Date().toISOString();
    for (let i = 0; i < doc.messages.length; i += BATCH) {
      const rows = doc.messages.slice(i, i + BATCH).map((m, j) => {
        const headRow = onHead.get(m.id);
        const createdAt = m.created_at ?? now;
        if (headRow) return { ...headRow, createdAt, onHeadBranch: true };
        return { ...toMessageRows([toLangChainMessage(newMessage(m))])[0], parentId: m.parent_id ?? null, position: i + j, createdAt, onHeadBranch: false };
      });
      await conversations.insertImportedMessages(threadId, rows, checkpointId);
    }
    await conversations.finishImport(threadId, headRows, checkpointId);
    return (await conversations.findThread(threadId, owner)) ?? thread;
  } catch (err) {
    // Never leave a half-made thread behind.
    await conversations.deleteThread(threadId, owner).catch(() => {});
    await deps.checkpointer.deleteThread(threadId).catch(() => {});
    throw err;
  }
}

/** `items.map(fn)`, a batch at a time with the event loop let go between batches. */
async function inBatches<T, R>(items: T[], fn: (item: T, index: number) => R): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    for (let j = i; j < Math.min(i + BATCH, items.length); j++) out.push(fn(items[j], j));
  }
  return out;
}

/** The head branch in order: the chain of head messages from the root, following parent ids. */
function headBranch(messages: ExportedMessage[]): ExportedMessage[] {
  const ids = new Set<string>();
  for (const m of messages) {
    if (ids.has(m.id)) throw invalid(`message id ${m.id} appears twice`);
    ids.add(m.id);
  }
  const head = messages.filter((m) => m.on_head_branch !== false);
  // A head-branch export has no parents to follow: its order is the branch's.
  if (head.every((m) => m.parent_id === undefined)) return head;
  const byParent = new Map(head.map((m) => [m.parent_id ?? null, m]));
  const chain: ExportedMessage[] = [];
  for (let next = byParent.get(null); next; next = byParent.get(next.id)) chain.push(next);
  if (chain.length !== head.length || byParent.size !== head.length) throw invalid("the head-branch messages do not form one chain from the first message (check parent_id and on_head_branch)");
  return chain;
}

function newMessage(m: ExportedMessage): NewMessage {
  return {
    role: m.role, content: m.content, metadata: m.metadata, id: m.id, toolCallId: m.tool_call_id, name: m.name, toolCalls: m.tool_calls,
    usage: m.usage, model: m.model, providerId: m.provider_id, latencyMs: m.latency_ms, ttftMs: m.ttft_ms, status: m.status,
  };
}

function invalid(reason: string): AppError {
  return new AppError("invalid_request", `The export cannot be imported: ${reason}.`, { fields: [{ name: "messages", reason }] });
}
