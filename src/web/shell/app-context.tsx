import { Client } from "@langchain/langgraph-sdk";
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { createApiClient, type ApiClient } from "../api/api-client";
import { authHeaders, readApiKey, saveApiKey } from "../api/api-key";
import { useHashRoute } from "./use-hash-route";

export interface AppContextValue {
  /** Our REST API (`/api/...`): lists, search, export, branching. */
  api: ApiClient;
  /** The official LangGraph SDK over our Agent Server API: runs, state, history. */
  client: Client;
  apiKey: string | null;
  setApiKey(key: string | null): void;
  /** True after the service answered 401: the page asks for a key. */
  needsKey: boolean;
  /** The open thread's id as the list shows it (client id or UUID); null: a new chat. */
  threadId: string | null;
  openThread(threadId: string | null): void;
  /** The assistant a new chat starts with. */
  assistantId: string;
  setAssistantId(id: string): void;
  /** Bumped when threads change (a run ended, a rename): lists reload. */
  threadsVersion: number;
  threadsChanged(): void;
}

const AppContext = createContext<AppContextValue | null>(null);

export function AppProvider({ children }: { children: ReactNode }) {
  const [apiKey, setKeyState] = useState(readApiKey);
  const [needsKey, setNeedsKey] = useState(false);
  const [route, openThread] = useHashRoute();
  const [assistantId, setAssistantId] = useState(() => localStorage.getItem("threadloom.assistant_id") ?? "chat");
  const [threadsVersion, setThreadsVersion] = useState(0);
  const value = useMemo<AppContextValue>(() => {
    const api = createApiClient(() => readApiKey(), () => setNeedsKey(true));
    const client = new Client({ apiUrl: window.location.origin, defaultHeaders: authHeaders(apiKey) });
    return {
      api,
      client,
      apiKey,
      setApiKey(key) {
        saveApiKey(key);
        setKeyState(key);
        setNeedsKey(false);
        setThreadsVersion((v) => v + 1);
      },
      needsKey,
      threadId: route.threadId,
      openThread,
      assistantId,
      setAssistantId(id) {
        localStorage.setItem("threadloom.assistant_id", id);
        setAssistantId(id);
      },
      threadsVersion,
      threadsChanged: () => setThreadsVersion((v) => v + 1),
    };
  }, [apiKey, needsKey, route.threadId, assistantId, threadsVersion]);
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error("useApp outside AppProvider");
  return value;
}
