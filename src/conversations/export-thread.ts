import type { StoredMessage, ThreadRow } from "./conversation-repository.js";
import { messageJson, publicThreadId, threadJson } from "./thread-json.js";

export const EXPORT_FORMATS = ["json", "markdown", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportFile {
  contentType: string;
  filename: string;
  body: string;
}

const ROLE_NAMES = { user: "User", assistant: "Assistant", tool: "Tool", system: "System" } as const;

/**
 * A thread as a downloadable file: the head-branch transcript, or with `tree` (JSON only) every
 * message of every branch, each with its parent and whether it is on the head branch.
 */
export function exportThread(thread: ThreadRow, messages: StoredMessage[], format: ExportFormat, tree = false): ExportFile {
  // A client's own id may hold `:`, which some file systems refuse.
  const base = `thread-${publicThreadId(thread).replace(/[^A-Za-z0-9._-]/g, "_")}`;
  switch (format) {
    case "json": {
      const json = tree
        ? { thread: threadJson(thread), branches: "all", messages: messages.map((m) => ({ ...messageJson(m), on_head_branch: m.onHeadBranch })) }
        : { thread: threadJson(thread), messages: messages.map(messageJson) };
      // Its own name: saved beside the head-branch export, the tree must not overwrite it.
      return { contentType: "application/json", filename: tree ? `${base}.branches.json` : `${base}.json`, body: `${JSON.stringify(json, null, 2)}\n` };
    }
    case "jsonl":
      return { contentType: "application/x-ndjson", filename: `${base}.jsonl`, body: messages.map((m) => `${JSON.stringify(messageJson(m))}\n`).join("") };
    case "markdown":
      return { contentType: "text/markdown; charset=utf-8", filename: `${base}.md`, body: toMarkdown(thread, messages) };
    default: {
      const never: never = format;
      throw new Error(`unknown export format ${String(never)}`);
    }
  }
}

function toMarkdown(thread: ThreadRow, messages: StoredMessage[]): string {
  const lines = [`# ${thread.title ?? "Untitled conversation"}`, "", `Thread \`${publicThreadId(thread)}\`, ${thread.createdAt.toISOString()}`, ""];
  for (const m of messages) {
    const calls = (m.parts?.tool_calls as { name: string; args: unknown }[] | undefined) ?? [];
    const heading = m.role === "tool" ? `Tool result${m.name ? ` (${m.name})` : ""}` : ROLE_NAMES[m.role];
    lines.push(`## ${heading}${m.status === "complete" ? "" : ` (${m.status})`}`, "");
    if (m.content) lines.push(m.content, "");
    for (const call of calls) lines.push(`Calls \`${call.name}\` with \`${JSON.stringify(call.args)}\``, "");
  }
  return lines.join("\n");
}
