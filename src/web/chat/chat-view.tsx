import type { Message as SdkMessage } from "@langchain/langgraph-sdk";
import { useStream } from "@langchain/langgraph-sdk/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Thread } from "../api/types";
import { useApp } from "../shell/app-context";
import { useDocs } from "../shell/docs-context";
import { useRunStatus } from "../shell/run-status";
import { ThreadHeader } from "../threads/thread-header";
import { ApprovalPanel, type PendingInterrupt } from "./approval-panel";
import { Composer } from "./composer";
import type { MessageActions } from "./message-item";
import { MessageList } from "./message-list";
import { newId } from "./new-id";
import { StateView } from "./state-view";
import type { ToolTiming } from "./tool-card";
import { toolTimesFromTask, type TaskEvent } from "./tool-times";
import { useKeepsMessages } from "./use-keeps-messages";
import { useThreadFollower } from "./use-thread-follower";
import { useThreadMirror } from "./use-thread-mirror";
import { mergeMessages, type ViewMessage } from "./view-message";
import "./chat.css";

type Values = Record<string, unknown> & { messages?: SdkMessage[] };

interface StateRead {
  parent_checkpoint_id: string | null;
  interrupts: PendingInterrupt[];
  values: Record<string, unknown>;
}

// What every run of this page streams: the state, and tokens with the node that wrote them.
const STREAM_MODE = ["values", "messages-tuple"] as const;

function describe(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === "object" && err && "message" in err) return String((err as { message: unknown }).message);
  return String(err);
}

/**
 * The open thread's conversation: the mirror's head branch, the live run streamed by the SDK's
 * `useStream` over the Agent Server API (by the thread's UUID), approvals, branching, the composer.
 */
export function ChatView() {
  const { api, client, threadId, openThread, assistantId, threadsChanged } = useApp();
  const runStatus = useRunStatus();
  const docs = useDocs();
  const mirror = useThreadMirror(threadId);
  const thread = mirror.thread && (mirror.thread.thread_id === threadId || mirror.thread.thread_uuid === threadId) ? mirror.thread : null;

  // A new chat's thread is created by useStream; until the route names it, its UUID is all we know.
  const [newUuid, setNewUuid] = useState<string | null>(null);
  const [learnt, setLearnt] = useState<Record<string, string>>({});
  const threadUuid = threadId ? (learnt[threadId] ?? thread?.thread_uuid ?? null) : newUuid;
  const assistant = thread?.assistant_id ?? assistantId;
  const keepsMessages = useKeepsMessages(assistant);

  const [branchFrom, setBranchFrom] = useState<string | null>(null);
  const [showLive, setShowLive] = useState(false);
  const [toolTimes, setToolTimes] = useState<Record<string, ToolTiming>>({});
  const [updates, setUpdates] = useState<{ node: string; update: unknown }[]>([]);
  const [runError, setRunError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [pause, setPause] = useState<PendingInterrupt[]>([]);
  const [stateValues, setStateValues] = useState<Record<string, unknown> | null>(null);
  const [frozen, setFrozen] = useState<SdkMessage[] | null>(null);
  const stopping = useRef(false);
  const baseline = useRef<Set<string>>(new Set());
  const ownRuns = useRef(new Set<string>());
  const runId = useRef<string | null>(null);
  const createdHere = useRef<string | null>(null);

  // Callbacks given to the SDK and to effects read the newest of these, not the render they were made in.
  const latest = useRef({ api, openThread, threadsChanged, runStatus, threadId, threadUuid });
  latest.current = { api, openThread, threadsChanged, runStatus, threadId, threadUuid };

  const onThreadId = useCallback((uuid: string) => {
    setNewUuid(uuid);
    latest.current.api
      .json<Thread>(`/api/threads/${encodeURIComponent(uuid)}`)
      .then((t) => {
        setLearnt((all) => ({ ...all, [t.thread_id]: uuid }));
        createdHere.current = t.thread_id;
        latest.current.openThread(t.thread_id);
        latest.current.threadsChanged();
      })
      .catch((err) => setActionError(`The new thread could not be opened: ${describe(err)}`));
  }, []);

  const stream = useStream<Values>({
    client,
    assistantId: assistant,
    threadId: threadUuid,
    onThreadId,
    // A reload mid-run rejoins the run's stream (its id is kept in this tab's session storage).
    reconnectOnMount: true,
    onCreated: (run) => {
      ownRuns.current.add(run.run_id);
      runId.current = run.run_id;
      latest.current.runStatus.report({ running: true, runId: run.run_id });
    },
    onMetadataEvent: (data) => {
      if (data?.run_id && runId.current !== data.run_id) {
        runId.current = data.run_id;
        latest.current.runStatus.report({ running: true, runId: data.run_id });
      }
    },
    onCustomEvent: (data) => {
      const doc = data as { type?: string; title?: unknown; content?: unknown; version?: unknown };
      if (doc?.type === "doc" && typeof doc.title === "string") docs.add({ title: doc.title, content: String(doc.content ?? ""), version: Number(doc.version ?? 0) });
    },
    onToolEvent: (data) => {
      const id = data.toolCallId;
      if (!id) return;
      const now = performance.now();
      if (data.event === "on_tool_start") setToolTimes((t) => ({ ...t, [id]: { start: now } }));
      else if (data.event === "on_tool_end" || data.event === "on_tool_error") setToolTimes((t) => (t[id] ? { ...t, [id]: { ...t[id], end: now } } : t));
    },
    onTaskEvent: (data) => {
      const task = data as TaskEvent;
      if (!task.name || task.name.startsWith("__")) return;
      const ended = "result" in task || "error" in task;
      latest.current.runStatus.report({ node: ended ? null : task.name });
      setToolTimes((times) => toolTimesFromTask(times, task, performance.now()));
    },
    onUpdateEvent: (data) => {
      for (const [node, update] of Object.entries(data ?? {})) {
        if (!node.startsWith("__")) setUpdates((all) => [...all, { node, update }]);
      }
    },
  });

  // Stopping counts as running until the stopped run's end is in the mirror.
  const running = stream.isLoading || frozen !== null;

  const docsRef = useRef(docs);
  docsRef.current = docs;
  // Another thread: its own documents (a thread this page just created keeps what its run wrote).
  useEffect(() => {
    if (threadId && threadId === createdHere.current) return;
    docsRef.current.clear();
    setUpdates([]);
    setToolTimes({});
    setRunError(null);
    setActionError(null);
    setBranchFrom(null);
  }, [threadId]);
  useEffect(() => {
    if (threadId) setNewUuid(null);
  }, [threadId]);

  /** The pause (if any) and the state's other values, read from our API. */
  const loadState = useCallback(async () => {
    const id = latest.current.threadId;
    if (!id) {
      setPause([]);
      setStateValues(null);
      return;
    }
    try {
      const state = await latest.current.api.json<StateRead>(`/api/threads/${encodeURIComponent(id)}/state`);
      if (latest.current.threadId !== id) return;
      setPause(state.interrupts.filter((i) => i.value !== undefined));
      const { messages: _messages, ...rest } = state.values ?? {};
      setStateValues(rest);
    } catch (err) {
      setActionError(`The thread's state could not be read: ${describe(err)}`);
    }
  }, []);

  const threadKey = thread ? `${thread.thread_id}` : null;
  useEffect(() => {
    if (threadKey) void loadState();
    else {
      setPause([]);
      setStateValues(null);
    }
  }, [threadKey, loadState]);

  const refresh = useCallback(async () => {
    await Promise.all([mirror.reload(), loadState()]);
  }, [mirror.reload, loadState]);

  // A run ended (ours, joined, stopped or failed): the mirror has its messages now, with usage.
  const wasLoading = useRef(false);
  useEffect(() => {
    const status = latest.current.runStatus;
    if (stream.isLoading) {
      wasLoading.current = true;
      setShowLive(true);
      status.report({ running: true, runId: runId.current });
      return;
    }
    if (!wasLoading.current) return;
    wasLoading.current = false;
    if (stopping.current) return;
    setRunError(stream.error ? describe(stream.error) : null);
    void refresh().then(() => {
      setShowLive(false);
      setBranchFrom(null);
      runId.current = null;
      latest.current.threadsChanged();
      latest.current.runStatus.ended();
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stream.isLoading]);

  const isLoadingRef = useRef(stream.isLoading);
  isLoadingRef.current = stream.isLoading;
  const joinRef = useRef(stream.joinStream);
  joinRef.current = stream.joinStream;
  // Another tab (or any client) started a run on this thread: follow it live.
  useThreadFollower(
    client,
    threadId ? threadUuid : null,
    (id) => {
      if (isLoadingRef.current || ownRuns.current.has(id) || sessionStorage.getItem(`lg:stream:${threadUuid}`) === id) return;
      ownRuns.current.add(id);
      runId.current = id;
      baseline.current = new Set(stream.messages.map((m) => m.id ?? ""));
      setRunError(null);
      void joinRef.current(id);
    },
    () => {
      if (!isLoadingRef.current && !stopping.current) void refresh();
    },
  );

  function startRun(input: unknown, options: Parameters<typeof stream.submit>[1] = {}) {
    setRunError(null);
    setActionError(null);
    setUpdates([]);
    setToolTimes({});
    baseline.current = new Set(stream.messages.map((m) => m.id ?? ""));
    setShowLive(true);
    void stream.submit(input as Values, { streamMode: [...STREAM_MODE], ...options });
  }

  function humanMessage(text: string): SdkMessage {
    return { type: "human", content: text, id: newId() };
  }
  function withMessage(msg: SdkMessage) {
    return (prev: Values) => ({ ...prev, messages: [...(prev.messages ?? []), msg] });
  }

  function send(text: string) {
    const msg = humanMessage(text);
    startRun({ messages: [msg] }, { optimisticValues: withMessage(msg) });
  }

  async function checkpointBefore(message: ViewMessage): Promise<string | null> {
    const at = message.mirror?.checkpoint_id;
    if (!at || !threadId) return null;
    const state = await api.json<StateRead>(`/api/threads/${encodeURIComponent(threadId)}/state?checkpoint_id=${encodeURIComponent(at)}`);
    return state.parent_checkpoint_id;
  }

  async function branch(message: ViewMessage, input: unknown, msg?: SdkMessage) {
    try {
      const parent = await checkpointBefore(message);
      if (!parent) {
        setActionError("This message has no checkpoint before it to run from.");
        return;
      }
      setBranchFrom(message.id);
      startRun(input, { checkpoint: { checkpoint_id: parent, checkpoint_ns: "", checkpoint_map: null }, ...(msg ? { optimisticValues: withMessage(msg) } : {}) });
    } catch (err) {
      setActionError(describe(err));
    }
  }

  async function stop() {
    const id = runId.current;
    const uuid = threadUuid;
    if (stopping.current) return;
    stopping.current = true;
    // The SDK puts back the state it had before the run; the reply so far stays on the page until
    // the mirror has it (the run writes it there as it stops).
    setFrozen(stream.messages);
    // The SDK cancels the runs it started; a run this tab joined is cancelled here.
    const sdkCancels = uuid && sessionStorage.getItem(`lg:stream:${uuid}`) === id;
    try {
      await stream.stop();
      if (id && uuid && !sdkCancels) await client.runs.cancel(uuid, id);
      if (id && uuid) await client.runs.join(uuid, id).catch(() => undefined);
    } catch (err) {
      setActionError(`Could not stop the run: ${describe(err)}`);
    }
    await refresh();
    stopping.current = false;
    setFrozen(null);
    setShowLive(false);
    setBranchFrom(null);
    runId.current = null;
    latest.current.threadsChanged();
    latest.current.runStatus.ended();
  }

  const stopRef = useRef(stop);
  stopRef.current = stop;
  useEffect(() => {
    if (!running) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) void stopRef.current();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [running]);

  const live = frozen ?? (showLive ? stream.messages : null);
  const messages = useMemo(() => mergeMessages(thread?.messages ?? [], live, branchFrom, baseline.current), [thread, live, branchFrom]);
  const streamingId = running ? (messages.at(-1)?.role === "assistant" ? messages.at(-1)!.id : null) : null;
  const pendingIds = new Set(pause.flatMap((p) => ((p.value as { action_requests?: { tool_call_id?: string }[] })?.action_requests ?? []).map((a) => a.tool_call_id ?? "")));
  const resultIds = new Set(messages.filter((m) => m.role === "tool").map((m) => m.toolCallId ?? ""));

  // The message items are memoised: their handlers keep one identity and call this render's.
  const handlers = useRef<Pick<MessageActions, "edit" | "regenerate" | "switchTo">>(null!);
  handlers.current = {
    edit: (message, content) => {
      const msg = humanMessage(content);
      void branch(message, { messages: [msg] }, msg);
    },
    regenerate: (message) => void branch(message, null),
    switchTo: (messageId) => {
      if (!threadId) return;
      setActionError(null);
      api
        .json(`/api/threads/${encodeURIComponent(threadId)}/head`, { body: { message_id: messageId } })
        .then(refresh)
        .then(() => latest.current.runStatus.ended())
        .catch((err) => setActionError(`Could not switch branches: ${describe(err)}`));
    },
  };
  const stableHandlers = useMemo<Pick<MessageActions, "edit" | "regenerate" | "switchTo">>(
    () => ({
      edit: (message, content) => handlers.current.edit(message, content),
      regenerate: (message) => handlers.current.regenerate(message),
      switchTo: (messageId) => handlers.current.switchTo(messageId),
    }),
    [],
  );
  const actions: MessageActions = {
    busy: running,
    ...stableHandlers,
    toolState: (callId) => {
      const t = toolTimes[callId];
      if (resultIds.has(callId)) return "done";
      if (t && t.end === undefined && running) return "running";
      if (t?.end !== undefined) return "done";
      if (pendingIds.has(callId) && !running) return "awaiting-approval";
      return running ? "running" : "not-run";
    },
    toolTiming: (callId) => toolTimes[callId],
  };

  const pending = !running && !showLive ? pause[0] : undefined;
  const jsonInput = keepsMessages === false;

  return (
    <div className="chat-view">
      <ThreadHeader />
      {mirror.error && (
        <p className="error-line" role="alert">
          Could not load the thread: {mirror.error}
        </p>
      )}
      <MessageList messages={messages} actions={actions} streamingId={streamingId}>
        {messages.length === 0 && !jsonInput && !running && !mirror.loading && <p className="empty">Send a message to start.</p>}
        {jsonInput && <StateView values={stateValues} updates={updates} />}
        {runError && (
          <p className="error-line" role="alert">
            The run failed: {runError}
          </p>
        )}
        {actionError && (
          <p className="error-line" role="alert">
            {actionError}
          </p>
        )}
        {pending && (
          <ApprovalPanel
            key={pending.id ?? "pending"}
            pending={pending}
            busy={running}
            error={null}
            onResume={(resume) => startRun(undefined, { command: { resume } })}
          />
        )}
      </MessageList>
      <Composer running={running} paused={pause.length > 0} jsonInput={jsonInput} onSend={send} onSendJson={(input) => startRun(input)} onStop={() => void stop()} />
    </div>
  );
}
