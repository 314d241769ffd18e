import { writeFile } from "node:fs/promises";
import type { ChatSession, ThreadJson } from "./chat-session.js";
import { oneLine } from "./chat-session.js";

const HELP = `Commands:
  /new              start a new thread (with your next message)
  /threads          your latest threads (* is this one)
  /switch <id>      continue another thread, showing its last messages
  /export md        save this thread as Markdown in the current directory (also: json, jsonl)
  /history          this thread's checkpoints, newest first
  /help             this list
  /quit             leave (also Ctrl-D, or Ctrl-C at an empty prompt)
Ctrl-C while a reply streams stops the run.`;

const EXPORT_FORMATS: Record<string, string> = { md: "markdown", markdown: "markdown", json: "json", jsonl: "jsonl" };

interface Checkpoint {
  checkpoint_id: string;
  step: number | null;
  source: string | null;
  writers: string[];
  added_message_ids: string[];
  created_at: string;
}

/** Runs one `/command`; "quit" asks the session to end. */
export async function runCommand(text: string, session: ChatSession): Promise<"quit" | void> {
  const [name, ...args] = text.split(/\s+/);
  const { out, client } = session;
  const thread = () => {
    if (session.threadId) return encodeURIComponent(session.threadId);
    out.line("No thread yet: send a message first, or /switch <id>.");
    return null;
  };
  switch (name) {
    case "/quit":
    case "/exit":
      return "quit";
    case "/help":
      return out.line(HELP);
    case "/new":
      session.threadId = null;
      return out.line(out.paint("dim", "New thread: it starts with your next message."));
    case "/threads": {
      const { threads, total } = await client.json<{ threads: ThreadJson[]; total: number }>("/api/threads?limit=20");
      if (threads.length === 0) return out.line("No threads yet.");
      for (const t of threads) {
        const mark = t.thread_id === session.threadId ? out.paint("cyan", "*") : " ";
        out.line(`${mark} ${t.thread_id}  ${oneLine(t.title ?? "(untitled)", 50)}  ${out.paint("dim", `${t.message_count} messages · ${t.status} · ${t.updated_at.slice(0, 16).replace("T", " ")}`)}`);
      }
      if (total > threads.length) out.line(out.paint("dim", `(the latest ${threads.length} of ${total})`));
      return;
    }
    case "/switch":
      if (!args[0]) return out.line("Usage: /switch <thread id> (see /threads)");
      return session.open(args[0]);
    case "/export": {
      const format = EXPORT_FORMATS[args[0] ?? "md"];
      if (!format) return out.line("Usage: /export md|json|jsonl");
      const id = thread();
      if (!id) return;
      const res = await client.request(`/api/threads/${id}/export?format=${format}`);
      const file = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? `thread.${args[0]}`;
      const body = Buffer.from(await res.arrayBuffer());
      await writeFile(file, body);
      return out.line(`Saved ${file} (${body.length} bytes).`);
    }
    case "/history": {
      const id = thread();
      if (!id) return;
      const { checkpoints } = await client.json<{ checkpoints: Checkpoint[] }>(`/api/threads/${id}/history?limit=20`);
      for (const c of checkpoints) {
        const added = c.added_message_ids.length ? ` +${c.added_message_ids.length} message${c.added_message_ids.length > 1 ? "s" : ""}` : "";
        out.line(`${out.paint("dim", c.created_at.slice(11, 19))} step ${c.step ?? "?"}  ${c.source ?? ""}  ${c.writers.join(", ")}${added}  ${out.paint("dim", c.checkpoint_id)}`);
      }
      return;
    }
    default:
      return out.line(`Unknown command ${name}: /help lists them.`);
  }
}
