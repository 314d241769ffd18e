import type { Response } from "express";
import type { Owner } from "../conversations/conversation-repository.js";
import { openSse } from "../http/open-sse.js";
import type { ActiveRun } from "../runs/active-run.js";
import type { RunManager } from "../runs/run-manager.js";
import type { RunEvent } from "../streaming/run-event.js";
import { formatSse } from "../streaming/sse-frame.js";
import { chatCompletion } from "./chat-completion.js";
import { type ChunkOptions, type CompletionChunk, CompletionChunks } from "./completion-chunks.js";
import { type OpenAiErrorBody, sendOpenAiError } from "./openai-error.js";

export interface RespondOptions extends Omit<ChunkOptions, "includeUsage"> {
  stream: boolean;
  includeUsage: boolean;
  /** Whether the run's thread is kept; a thread that is not is deleted once the run ends (unless it paused). */
  keep: boolean;
  owner: Owner;
  heartbeatMs: number;
  maxBufferBytes?: number;
}

/**
 * Starts the claimed run and answers with it: streamed as chunks (`stream: true`) or as one
 * `chat.completion` once it has ended. Either way the response ends only after a thread that is
 * not kept is gone, so a client that has its answer finds nothing of it left.
 */
export async function respondCompletion(res: Response, runs: RunManager, run: ActiveRun, options: RespondOptions): Promise<void> {
  const shownId = run.input.clientThreadId ?? run.input.threadId;
  const encoder = new CompletionChunks({ ...options, includeUsage: options.stream ? options.includeUsage : true });
  // What the run came to: paused for a human (its thread is then kept), or failed.
  const outcome: { paused: boolean; failed: OpenAiErrorBody | null } = { paused: false, failed: null };
  const collected: CompletionChunk[] = [];
  const encode = (event: RunEvent) => {
    if (event.type === "interrupt") outcome.paused = true;
    const out = encoder.encode(event);
    if (!Array.isArray(out)) outcome.failed = out;
    return out;
  };
  // A stateless run nobody waits for any more is stopped: nothing of it would be kept.
  const onGone = () => {
    if (!options.keep) runs.cancel(run.runId);
  };

  if (options.stream) {
    const sse = openSse(res, { heartbeatMs: options.heartbeatMs, maxBufferBytes: options.maxBufferBytes, headers: options.keep ? { "X-Thread-Id": shownId } : {} });
    // The last frames wait for the clean-up: an SDK stops reading at an error (or at [DONE]).
    const last: string[] = [];
    const unsubscribe = run.channel.subscribe((event) => {
      const out = encode(event);
      const frames = (Array.isArray(out) ? out : [out]).map((chunk) => formatSse({ data: JSON.stringify(chunk) }));
      if (event.type === "end") last.push(...frames, formatSse({ data: "[DONE]" }));
      else if (event.type === "error") last.push(...frames);
      else for (const frame of frames) sse.write(frame);
    });
    sse.onDisconnect(() => {
      unsubscribe();
      onGone();
    });
    await runs.start(run);
    await removeUnlessKept(runs, run, options, outcome.paused);
    for (const frame of last) sse.write(frame);
    sse.end();
    return;
  }

  const unsubscribe = run.channel.subscribe((event) => {
    const out = encode(event);
    if (Array.isArray(out)) collected.push(...out);
  });
  res.on("close", () => {
    if (!res.writableEnded) onGone();
  });
  await runs.start(run);
  unsubscribe();
  await removeUnlessKept(runs, run, options, outcome.paused);
  if (res.destroyed) return;
  if (options.keep || outcome.paused) res.set("X-Thread-Id", shownId);
  if (outcome.failed) {
    // The run has happened (a thread may hold its turn): a client must not send it again by itself.
    res.status(runErrorStatus(outcome.failed.error.code)).set("x-should-retry", "false");
    sendOpenAiError(res, outcome.failed.error);
    return;
  }
  res.json(chatCompletion(collected));
}

async function removeUnlessKept(runs: RunManager, run: ActiveRun, options: RespondOptions, paused: boolean): Promise<void> {
  // A paused run is kept all the same: deleting it would drop the call waiting for approval unseen.
  if (options.keep || paused) return;
  await runs.deleteThread(run.input.threadId, options.owner).catch((err) => run.logger.warn({ err }, "could not delete a stateless chat completion's thread"));
}

/** The status of a completion whose run failed: the model's failures are a bad gateway, or its timeout. */
function runErrorStatus(code: string | null): number {
  if (code === "model_rate_limited") return 429;
  if (code === "model_timeout" || code === "idle_timeout" || code === "timeout") return 504;
  if (code === "shutdown" || code === "database_unavailable") return 503;
  if (code?.startsWith("model_")) return 502;
  return 500;
}
