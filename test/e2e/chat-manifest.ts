import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeManifest, type WrittenManifest } from "../helpers/write-manifest.js";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The built-in chat and draft graphs, plus the chat tests' own: `slow` (a tool that takes its
 * time, to see its card running) and `counter` (a graph that keeps no messages).
 */
export function writeChatManifest(): Promise<WrittenManifest> {
  return writeManifest({
    graphs: {
      chat: path.join(ROOT, "graphs", "chat.ts:graph"),
      draft: path.join(ROOT, "graphs", "draft.ts:graph"),
      slow: path.join(ROOT, "test", "graphs", "slow-tool.ts:graph"),
      counter: path.join(ROOT, "test", "graphs", "counter.ts:graph"),
    },
  });
}
