import type { Logger } from "pino";
import type { RawData, WebSocket } from "ws";
import type { Owner } from "../conversations/conversation-repository.js";
import { AppError } from "../errors.js";
import { type Access, authorize } from "../http/access.js";
import { type ChatInput, createChatTurn } from "../http/chat-routes.js";
import { knownError, problem500, problemFields } from "../http/problem.js";
import type { RunManager } from "../runs/run-manager.js";
import { encodeWebSocket } from "../streaming/encoders/websocket.js";
import type { RunEvent } from "../streaming/run-event.js";
import { type ClientFrame, frameRef, parseFrame, readEnvelope, readFrame } from "./client-frame.js";
import { CLOSE } from "./close-codes.js";

/** Who the socket acts for: what `res.locals` holds after authentication. */
export interface SocketCaller {
  owner: Owner;
  access?: Access;
}

export interface WsConnectionDeps {
  runs: RunManager;
  parseChat: (body: unknown) => ChatInput;
  /** Past this many unsent bytes (ours and the socket's) the client is cut with 4008. */
  maxBufferBytes: number;
  /** Who an `auth` frame's key stands for; throws the refusal. */
  authenticate: (apiKey: string) => Promise<SocketCaller>;
  logger: Logger;
  requestId: string;
}

/** How long a socket opened without credentials may take to send its `auth` frame. */
export const AUTH_DEADLINE_MS = 10_000;

/** A run this socket follows: what to do with it when the socket closes, and how to stop following. */
interface Turn {
  onDisconnect: "continue" | "cancel";
  unfollow(): void;
}

/**
 * One `/api/ws` socket: many turns at once, each a run followed from its events. Frames that are
 * wrong are answered with an error frame (the problem+json fields) and the socket goes on; the
 * socket is closed only for authentication (1008) and for a client that reads too slowly (4008).
 */
export class WsConnection {
  private readonly turns = new Map<string, Turn>();
  /** Frames wait behind the `auth` frame until it is checked; null once authenticated. */
  private authenticating: Promise<void> | null = null;
  private authDeadline: NodeJS.Timeout | undefined;
  private frames = 0;
  /** Cleared at each ping, set again by the pong: a socket still cleared at the next ping is dead. */
  alive = true;

  constructor(
    readonly socket: WebSocket,
    private caller: SocketCaller | null,
    private readonly deps: WsConnectionDeps,
  ) {
    if (!caller) {
      this.authenticating = Promise.resolve();
      this.authDeadline = setTimeout(() => this.refuse(`No auth frame within ${AUTH_DEADLINE_MS / 1000} s.`), AUTH_DEADLINE_MS);
    }
    socket.on("message", (data, isBinary) => {
      if (this.authenticating) this.authenticating = this.authenticating.then(() => this.receive(data, isBinary));
      else void this.receive(data, isBinary);
    });
    socket.on("pong", () => (this.alive = true));
    socket.on("close", (code) => this.closed(code));
  }

  /** A ping, or the end of a socket that did not answer the last one. */
  heartbeat(): void {
    if (!this.alive) {
      this.deps.logger.info("dropped a WebSocket that stopped answering pings");
      return void this.socket.terminate();
    }
    this.alive = false;
    this.socket.ping();
  }

  private async receive(data: RawData, isBinary: boolean): Promise<void> {
    let ref: string | undefined;
    try {
      const raw = parseFrame(data, isBinary);
      ref = frameRef(raw);
      const frame = readFrame(readEnvelope(raw), this.deps.parseChat);
      if (!this.caller) return await this.authenticate(frame, ref);
      await this.handle(frame, this.caller, ref);
    } catch (err) {
      this.sendError(err, ref);
    }
  }

  private async handle(frame: ClientFrame, caller: SocketCaller, ref: string | undefined): Promise<void> {
    switch (frame.type) {
      case "auth":
        throw new AppError("invalid_request", "This socket is already authenticated.", { fields: [{ name: "type", reason: "auth is only taken first, on a socket opened without credentials" }] });
      case "chat":
      case "resume":
        return this.chat(frame.input, caller, ref);
      case "cancel":
        return this.cancel(frame.runId, ref);
      case "join":
        return this.join(frame.threadId, frame.lastEventId, caller, ref);
      default: {
        const never: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(never)}`);
      }
    }
  }

  private async authenticate(frame: ClientFrame, ref: string | undefined): Promise<void> {
    if (frame.type !== "auth") return this.refuse("The first frame must be {\"type\":\"auth\",\"api_key\":\"...\"}: the upgrade carried no credentials.", ref);
    try {
      this.caller = await this.deps.authenticate(frame.apiKey);
    } catch (err) {
      const known = knownError(err);
      if (known?.code === "unauthorized" || known?.code === "forbidden") return this.refuse(known.message, ref);
      throw err;
    }
    clearTimeout(this.authDeadline);
    this.authenticating = null;
    this.sendJson({ type: "authenticated", ...(ref !== undefined && { ref }) });
  }

  /** Answers with a 401 error frame and closes with 1008. */
  private refuse(detail: string, ref?: string): void {
    clearTimeout(this.authDeadline);
    this.sendError(new AppError("unauthorized", detail), ref);
    this.socket.close(CLOSE.policy, "unauthorized");
  }

  /** Claims the turn's run and follows it; the run goes on without waiting here. */
  private async chat(input: ChatInput, caller: SocketCaller, ref: string | undefined): Promise<void> {
    const run = await createChatTurn(this.deps.runs, { locals: caller }, input, `${this.deps.requestId}/${++this.frames}`);
    const unsubscribe = run.channel.subscribe((event, seq) => this.forward(event, seq, run.runId, ref));
    this.turns.set(run.runId, { onDisconnect: input.on_disconnect, unfollow: unsubscribe });
    // Gone while the run was being claimed: it starts all the same, and stops at once if asked to.
    if (this.socket.readyState !== this.socket.OPEN) this.closed(CLOSE.normal);
    void this.deps.runs.start(run).then(() => this.unfollow(run.runId));
  }

  /** Follows the thread's running native run from the durable events after `afterSeq`, as POST /api/chat's owner sees the thread. */
  private async join(threadId: string, afterSeq: number, caller: SocketCaller, ref: string | undefined): Promise<void> {
    const { runs } = this.deps;
    const thread = await runs.findNamedThread(threadId, caller.owner, await authorize({ locals: caller }, "threads:read", { thread_id: threadId }));
    const runId = await runs.activeNativeRun(thread.threadId);
    if (runId === null) return this.sendJson({ type: "no_active_run", thread_id: threadId, ...(ref !== undefined && { ref }) });
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.turns.has(runId)) throw new AppError("conflict", `This socket already follows run ${runId}.`, { run_id: runId });
    const aborter = new AbortController();
    const turn: Turn = { onDisconnect: "continue", unfollow: () => aborter.abort() };
    this.turns.set(runId, turn);
    const events = runs.joinNativeRun(runId, afterSeq, aborter.signal);
    void (async () => {
      try {
        for await (const { seq, event } of events) this.forward(event, seq, runId, ref);
      } catch (err) {
        if (!aborter.signal.aborted) this.sendError(err, ref);
      } finally {
        if (this.turns.get(runId) === turn) this.unfollow(runId);
      }
    })();
  }

  private cancel(runId: string, ref: string | undefined): void {
    // Only a run this socket follows: a run id is no credential, and another owner's runs stay theirs.
    if (!this.turns.has(runId)) throw new AppError("not_found", `Run ${runId} is not one this socket follows (started or joined here).`, { run_id: runId });
    if (!this.deps.runs.cancel(runId)) throw new AppError("conflict", `Run ${runId} runs in another process; cancel it there or wait for its end.`, { run_id: runId });
    this.sendJson({ type: "cancelling", run_id: runId, ...(ref !== undefined && { ref }) });
  }

  private forward(event: RunEvent, seq: number, runId: string, ref: string | undefined): void {
    this.send(encodeWebSocket(event, seq, runId, event.type === "start" ? ref : undefined));
    if (event.type === "end" || event.type === "error") this.unfollow(runId);
  }

  private unfollow(runId: string): void {
    this.turns.get(runId)?.unfollow();
    this.turns.delete(runId);
  }

  private sendError(err: unknown, ref: string | undefined): void {
    const known = knownError(err);
    if (!known) this.deps.logger.error({ err, reqId: this.deps.requestId }, "a WebSocket frame failed");
    const { type: _, ...problem } = known ? problemFields(known) : problem500(this.deps.requestId);
    this.sendJson({ type: "error", code: known?.code ?? "internal", message: problem.detail, ...problem, ...(ref !== undefined && { ref }) });
  }

  private sendJson(frame: Record<string, unknown>): void {
    this.send(JSON.stringify(frame));
  }

  /**
   * Sends unless the socket is closing; a client whose unsent bytes would pass the bound is cut
   * (4008): what it already has waiting is all it gets, so its memory here stays bounded.
   */
  private send(frame: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const bytes = Buffer.byteLength(frame);
    if (this.socket.bufferedAmount + bytes > this.deps.maxBufferBytes) {
      this.deps.logger.warn({ bufferedBytes: this.socket.bufferedAmount, frameBytes: bytes, maxBufferBytes: this.deps.maxBufferBytes }, "cut a WebSocket client that reads too slowly");
      this.socket.close(CLOSE.slowConsumer, "slow consumer: reconnect and join");
      // What is closed is not yet gone: the runs go on or stop now, per their on_disconnect.
      this.closed(CLOSE.slowConsumer);
      return;
    }
    this.socket.send(frame);
  }

  /** The service is stopping (its runs are recorded): the client is told to come back. */
  shutdown(): void {
    this.closed(CLOSE.tryAgain);
    this.socket.close(CLOSE.tryAgain, "the service is shutting down: reconnect and join");
  }

  /** Stops following every run, cancelling those sent with on_disconnect "cancel". Idempotent. */
  private closed(code: number): void {
    clearTimeout(this.authDeadline);
    if (this.turns.size > 0) this.deps.logger.info({ code, runs: this.turns.size }, "WebSocket closed with runs in flight");
    for (const [runId, turn] of this.turns) {
      turn.unfollow();
      if (turn.onDisconnect === "cancel") this.deps.runs.cancel(runId);
    }
    this.turns.clear();
  }
}
