import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SYSTEM_PROMPT } from "../graphs/chat.js";
import { checkpointState, expectMirrorMatchesCheckpoint, runRows, threadloomStatus, summary } from "./helpers/checkpoint-state.js";
import { words } from "./helpers/live-chat.js";
import type { MockReply } from "./helpers/mock-openai.js";
import { chat, type SseResponse } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const MODEL_ERROR = "The model request failed.";
const MODEL_ERROR_SAVED = "The model request failed. The reply so far was saved.";

/** Runs one failing turn on a new thread; checks the stream ends with exactly `error` and nothing after. */
async function failingTurn(t: TestService, reply: MockReply, message: string) {
  t.mock.script(reply);
  const res = await chat(t.url, { message });
  expect(res.status).toBe(200);
  const types = res.events.map((e) => e.event);
  expect(types[0]).toBe("start");
  expect(types.filter((e) => e === "error" || e === "end")).toEqual(["error"]);
  expect(types.at(-1)).toBe("error");
  return { res, threadId: res.headers.get("x-thread-id")!, runId: res.events[0].data.run_id as string, error: res.events.at(-1)!.data };
}

/** A normal turn after the failure: succeeds, and the model is sent the whole history. */
async function recoveringTurn(t: TestService, threadId: string, history: { role: string; content: string }[]) {
  t.mock.script({ text: "Back on track." });
  const res: SseResponse = await chat(t.url, { message: "try again", thread_id: threadId });
  expect(res.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
  expect(t.mock.requests.at(-1)!.messages).toEqual([
    { role: "system", content: DEFAULT_SYSTEM_PROMPT }, ...history, { role: "user", content: "try again" },
  ]);
  const thread = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
  expect(thread.status).toBe("idle");
  expect(thread.messages.slice(-2).map(summary)).toEqual([["user", "try again", "complete"], ["assistant", "Back on track.", "complete"]]);
  await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
}

async function threadStatus(t: TestService, threadId: string): Promise<string> {
  return (await (await fetch(`${t.url}/api/threads/${threadId}`)).json()).status;
}

describe("model errors", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  // Proves an HTTP 500 before any token: masked model_error event, user message kept, run and thread in error.
  it("reports an HTTP 500 from the model as a masked model_error and keeps the user's message", async () => {
    const { threadId, runId, error } = await failingTurn(t, { httpStatus: 500 }, "hello?");
    expect(error).toEqual({ type: "error", code: "model_error", message: MODEL_ERROR });
    expect(JSON.stringify(error)).not.toContain("mock error");

    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect(messages.map(summary)).toEqual([["user", "hello?", "complete"]]);
    const [run] = await runRows(t.db.pool, threadId);
    expect(run.run_id).toBe(runId);
    expect(run.status).toBe("error");
    expect(run.error!.code).toBe("model_error");
    expect(await threadStatus(t, threadId)).toBe("error");

    await recoveringTurn(t, threadId, [{ role: "user", content: "hello?" }]);
  });

  // Proves a stream that dies mid-reply: the tokens so far are saved as an `error` message in both stores.
  it("saves the partial reply with status error when the stream breaks mid-reply", async () => {
    const { res, threadId, error } = await failingTurn(t, { text: "alpha beta gamma delta epsilon", failAfterTokens: 3 }, "greek letters");
    expect(error).toEqual({ type: "error", code: "model_error", message: MODEL_ERROR_SAVED });
    expect(res.body).not.toContain("mock");
    expect(res.events.filter((e) => e.event === "token").map((e) => e.data.content)).toEqual(["alpha ", "beta ", "gamma "]);

    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect(messages.map(summary)).toEqual([["user", "greek letters", "complete"], ["assistant", "alpha beta gamma ", "error"]]);
    expect(threadloomStatus((await checkpointState(t.db.pool, threadId)).messages[1])).toBe("error");
    const [run] = await runRows(t.db.pool, threadId);
    expect(run.status).toBe("error");
    expect(run.error!.code).toBe("model_error");
    expect(await threadStatus(t, threadId)).toBe("error");

    await recoveringTurn(t, threadId, [{ role: "user", content: "greek letters" }, { role: "assistant", content: "alpha beta gamma " }]);
  });
});

describe("run and model-idle timeouts", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { RUN_TIMEOUT_MS: "1000", MODEL_IDLE_TIMEOUT_MS: "300" } });
  });
  afterAll(() => t.close());

  // Proves RUN_TIMEOUT_MS stops a run that streams steadily but too long: code timeout, partial saved as error.
  it("stops a run at RUN_TIMEOUT_MS and saves the reply so far", async () => {
    const text = words(40);
    const { res, threadId, runId, error } = await failingTurn(t, { text, tokenDelayMs: 100 }, "a slow one");
    expect(error).toEqual({ type: "error", code: "timeout", message: "The run took longer than allowed; the reply so far was saved." });
    const seen = res.events.filter((e) => e.event === "token").map((e) => e.data.content).join("");

    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect(messages.map((m) => [m.role, m.status])).toEqual([["user", "complete"], ["assistant", "error"]]);
    // Each token went to the client before the next arrived, so what it saw is what was saved.
    expect(messages[1].content).toBe(seen);
    expect(seen.length).toBeGreaterThan(0);
    expect(text.startsWith(seen) && seen.length < text.length).toBe(true);
    const [run] = await runRows(t.db.pool, threadId);
    expect(run).toEqual({ run_id: runId, status: "timeout", error: { code: "timeout", message: error.message } });
    expect(await threadStatus(t, threadId)).toBe("error");

    await recoveringTurn(t, threadId, [{ role: "user", content: "a slow one" }, { role: "assistant", content: seen }]);
  });

  // Proves MODEL_IDLE_TIMEOUT_MS stops a model that goes silent mid-reply: code idle_timeout, same persistence.
  it("stops a stalled model at MODEL_IDLE_TIMEOUT_MS and saves the reply so far", async () => {
    const { threadId, runId, error } = await failingTurn(t, { text: "one two three four", stallAfterTokens: 2 }, "then stall");
    expect(error).toEqual({ type: "error", code: "idle_timeout", message: "The model stopped responding; the reply so far was saved." });

    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect(messages.map(summary)).toEqual([["user", "then stall", "complete"], ["assistant", "one two ", "error"]]);
    const [run] = await runRows(t.db.pool, threadId);
    expect(run).toEqual({ run_id: runId, status: "timeout", error: { code: "idle_timeout", message: error.message } });
    expect(await threadStatus(t, threadId)).toBe("error");

    await recoveringTurn(t, threadId, [{ role: "user", content: "then stall" }, { role: "assistant", content: "one two " }]);
  });
});
