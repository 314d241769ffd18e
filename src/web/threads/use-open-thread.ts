import { useEffect, useState } from "react";
import { ApiError } from "../api/api-error";
import type { ThreadWithMessages } from "../api/types";
import { useApp } from "../shell/app-context";

export type OpenThread = Omit<ThreadWithMessages, "messages">;

// The header and the assistant picker both read the open thread: one request for both.
const inflight = new Map<string, Promise<OpenThread | null>>();

/**
 * The open thread as the REST API lists it (title, ids, assistant, status), read again whenever
 * threads change (`threadsChanged()`); null when none is open or it is not there (yet: a new chat's first turn).
 */
export function useOpenThread(): OpenThread | null {
  const { api, apiKey, threadId, threadsVersion } = useApp();
  const [thread, setThread] = useState<OpenThread | null>(null);
  useEffect(() => {
    if (!threadId) {
      setThread(null);
      return;
    }
    let live = true;
    const key = `${threadId}@${threadsVersion}.${apiKey ?? ""}`;
    let request = inflight.get(key);
    if (!request) {
      request = api
        .json<ThreadWithMessages>(`/api/threads/${encodeURIComponent(threadId)}`)
        .then(({ messages: _messages, ...rest }) => rest as OpenThread)
        .catch((err: unknown) => (err instanceof ApiError && err.status === 404 ? null : Promise.reject(err)))
        .finally(() => setTimeout(() => inflight.delete(key), 1000));
      inflight.set(key, request);
    }
    request.then((t) => live && setThread(t)).catch(() => live && setThread(null));
    return () => {
      live = false;
    };
  }, [threadId, threadsVersion, apiKey]); // eslint-disable-line react-hooks/exhaustive-deps
  // Until the next answer, the previous thread's details must not show under another thread.
  return thread && (thread.thread_id === threadId || thread.thread_uuid === threadId) ? thread : null;
}
