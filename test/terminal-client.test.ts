import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockReply, MockRequest } from "./helpers/mock-openai.js";
import { sentEmails } from "./helpers/outbox.js";
import { SseReader } from "./helpers/sse-client.js";
import { TerminalSession } from "./helpers/terminal-session.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const KEY = "sk-terminal-test";
const EMAIL = { to: "bob@example.com", subject: "Lunch", body: "Noon?" };

// "stall": a reply that stops after two tokens and holds the stream (only Ctrl-C ends it);
// "compute": the calculator; "email": send_email, which waits for approval; tool results are quoted.
function model(req: MockRequest): MockReply {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: `noted: ${last.content}` };
  const asked = String(last?.content);
  if (/stall/.test(asked)) return { tokens: ["Once ", "upon ", "a ", "time"], stallAfterTokens: 2 };
  if (/compute/.test(asked)) return { toolCalls: [{ name: "calculator", args: { expression: "6 * 7" } }] };
  if (/email/.test(asked)) return { toolCalls: [{ name: "send_email", args: EMAIL }] };
  return { text: "hello back from the model" };
}

describe("npx threadloom chat, in a terminal, against the real service", () => {
  let t: TestService;
  let cwd: string;
  const sessions: TerminalSession[] = [];
  // Started together up front, so that their start-ups overlap.
  let term: TerminalSession;
  let approvals: TerminalSession;
  let piped: TerminalSession;
  const api = async (route: string) => (await fetch(`${t.url}${route}`, { headers: { authorization: `Bearer ${KEY}` } })).json();
  const open = (options: { tty: boolean; env?: Record<string, string> }) => {
    const session = new TerminalSession([], { cwd, tty: options.tty, env: { THREADLOOM_URL: t.url, API_KEY: KEY, ...options.env } });
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    // With API keys, every request of the client must carry API_KEY.
    t = await startTestService({ script: model, env: { API_KEYS: `${KEY}:acme:alice` } });
    cwd = await mkdtemp(path.join(tmpdir(), "threadloom-terminal-"));
    term = open({ tty: true });
    approvals = open({ tty: true, env: { NO_COLOR: "1" } });
    piped = open({ tty: false });
  });
  afterAll(async () => {
    for (const s of sessions) s.kill();
    await t?.close();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  describe("one session", () => {
    let threadId: string;

    it("streams a reply as it comes; Ctrl-C stops the run on the server and the prompt returns", async () => {
      await term.next("> ");
      term.type("tell me a stall story\r");
      // The model has sent two tokens and holds the rest: they are on the screen while the run goes on.
      await term.next("Once upon ");
      const [thread] = (await api("/api/threads?limit=1")).threads;
      threadId = thread.thread_id;
      expect(thread.status).toBe("busy");
      term.type("\x03");
      await term.next("■ stopped");
      await term.next("> ");
      const after = await api(`/api/threads/${threadId}`);
      expect(after.status).toBe("idle");
      expect(after.messages.at(-1)).toMatchObject({ role: "assistant", content: "Once upon ", status: "partial" });
    });

    it("shows a tool call with a spinner, then ✓ and its name, and the reply; in colour on a terminal", async () => {
      term.type("compute 6 times 7\r");
      await term.next(/✓ calculator \(\d+ ms\)\n/);
      await term.next("noted: 42\n");
      await term.next("> ");
      // The spinner's first frame, drawn as the tool started, then the tick in green.
      expect(term.raw).toMatch(/\x1b\[36m⠋\x1b\[39m \x1b\[2mcalculator…/);
      expect(term.raw).toMatch(/\x1b\[32m✓\x1b\[39m calculator/);
      // The same thread: the client kept the one its first turn started.
      expect((await api(`/api/threads/${threadId}`)).messages.map((m: { content: string }) => m.content)).toContain("noted: 42");
    });

    it("/new, /threads, /switch, /export md, /history; a problem is one line", async () => {
      term.type("/new\r");
      term.type("hello\r");
      await term.next("hello back from the model\n");
      await term.next("> ");
      term.type("/threads\r");
      const listed = await term.next(/\* (\S+) {2}hello.*\n(.*)\n/);
      expect(listed[2]).toContain(threadId);
      term.type(`/switch ${threadId}\r`);
      await term.next(`Thread ${threadId}: `);
      await term.next("noted: 42\n");
      term.type("/export md\r");
      const saved = await term.next(/Saved (thread-\S+\.md) \(\d+ bytes\)\./);
      expect(await readFile(path.join(cwd, saved[1]), "utf8")).toMatch(/compute 6 times 7[\s\S]*noted: 42/);
      term.type("/history\r");
      await term.next(/step \d+ +loop +tools/);
      term.type("/bogus\r");
      await term.next("Unknown command /bogus: /help lists them.");
      // A problem the service answers is one line.
      term.type("/switch no-such-thread\r");
      await term.next(/\n✗ 404 Not found: [^\n]*no-such-thread[^\n]*\n> /);
    });

    it("/switch to a thread with another client's run in progress follows it; Ctrl-C stops following, not the run; Ctrl-D quits", async () => {
      // Another client's turn, which stalls after two tokens; that client goes away and the run goes on.
      const res = await fetch(`${t.url}/api/chat`, {
        method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` }, body: JSON.stringify({ thread_id: "elsewhere", message: "a stall from elsewhere" }),
      });
      const other = new SseReader(res);
      while ((await other.next())?.event !== "token");
      await other.cancel();
      term.type("/switch elsewhere\r");
      await term.next("A run is in progress on this thread");
      await term.next("Once upon ");
      term.type("\x03");
      await term.next("■ no longer following (the run goes on)");
      await term.next("> ");
      const thread = await api("/api/threads/elsewhere?messages=false");
      expect(thread.status).toBe("busy");
      const cancelled = await fetch(`${t.url}/threads/${thread.thread_uuid}/runs/${res.headers.get("x-run-id")}/cancel?wait=true`, { method: "POST", headers: { authorization: `Bearer ${KEY}` } });
      expect(cancelled.status).toBe(204);
      term.type("\x04");
      expect(await term.exit()).toBe(0);
    });
  });

  it("asks for approval at the prompt: y runs the tool, n refuses it, edit runs it with the arguments typed; NO_COLOR: no colour", async () => {
    const term = approvals;
    await term.next("> ");
    term.type("email bob about lunch\r");
    await term.next("send_email waits for your approval:");
    await term.next('"to": "bob@example.com"');
    await term.next("Run it? [y]es / [n]o / [e]dit ");
    term.type("y\r");
    await term.next(/✓ send_email \(\d+ ms\)\n/);
    await term.next('noted: E-mail to bob@example.com with the subject "Lunch" was sent');
    await term.next("> ");

    term.type("email bob again\r");
    await term.next("Run it? ");
    term.type("n\r");
    await term.next("noted: The user rejected this call to send_email, so it did not run.");
    await term.next("> ");

    term.type("email bob once more\r");
    await term.next("Run it? ");
    term.type("e\r");
    // The arguments are on the line to edit: cleared (Ctrl-U) and typed anew.
    await term.next(`args> ${JSON.stringify(EMAIL)}`);
    term.type(`\x15${JSON.stringify({ ...EMAIL, to: "carol@example.com" })}\r`);
    await term.next("noted: The user edited the arguments before approving");
    await term.next("> ");

    const [thread] = (await api("/api/threads?limit=1")).threads;
    expect((await sentEmails(t.db.pool, thread.thread_uuid)).map((e) => e.to)).toEqual(["bob@example.com", "carol@example.com"]);
    // Approved and edited: the tool ran twice; refused: never.
    expect(term.text.match(/✓ send_email/g)).toHaveLength(2);
    // NO_COLOR: no colour and no spinner (the line editor still moves the cursor).
    expect(term.raw).not.toMatch(/\x1b\[[0-9;]*m|⠋/);
    expect(term.raw).toMatch(/\x1b\[/);
    // Ctrl-C at an empty prompt quits.
    term.type("\x03");
    expect(await term.exit()).toBe(0);
  });

  it("writes plain text with no escape code when its output is piped", async () => {
    piped.type("compute 6 times 7\n/threads\n");
    piped.endInput();
    expect(await piped.exit()).toBe(0);
    expect(piped.raw).toMatch(/^threadloom · .*\n✓ calculator \(\d+ ms\)\nnoted: 42\n\* \S+ {2}compute 6 times 7 /);
    expect(piped.raw).not.toMatch(/\x1b|\r/);
  });
});
