// The shapes of our REST API (`/api/...`) the page reads; see the README's *API* section.

export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";

export interface Thread {
  /** The id the list and links use: the client's own id, or the UUID when the service named it. */
  thread_id: string;
  /** The id of the checkpoints and of the Agent Server API, which runs go through. */
  thread_uuid: string;
  client_thread_id: string | null;
  title: string | null;
  graph_id: string;
  assistant_id: string;
  status: ThreadStatus;
  metadata: Record<string, unknown>;
  message_count: number;
  head_checkpoint_id: string | null;
  created_at: string;
  updated_at: string;
  /** Search results only: the best-matching message, matched words between « and ». */
  snippet?: string;
  snippet_message_id?: string;
  snippet_on_head_branch?: boolean;
}

export interface ThreadPage {
  threads: Thread[];
  next_cursor: string | null;
  total: number;
}

export interface ToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export interface Message {
  id: string;
  role: "user" | "assistant" | "system" | "tool";
  content: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  name?: string;
  metadata: Record<string, unknown>;
  status: "complete" | "partial" | "error";
  usage: Usage | null;
  model: string | null;
  /** The tenant's provider that answered (null: the environment's model server). */
  provider_id?: string | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  parent_id: string | null;
  checkpoint_id: string | null;
  created_at: string;
  /** The messages on other branches that follow the same parent, this one included. */
  siblings?: { count: number; index: number; ids: string[] };
}

export interface ThreadWithMessages extends Thread {
  messages: Message[];
}

export interface HistoryEntry {
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  created_at: string;
  step: number;
  source: "input" | "loop" | "update" | "fork";
  /** The nodes that wrote it (`__input__`, `__update__`, `__copy__` for the caller's writes). */
  writers: string[];
  next: string[];
  added_message_ids: string[];
}

export interface HistoryPage {
  checkpoints: HistoryEntry[];
  next_cursor: string | null;
}

export interface Assistant {
  assistant_id: string;
  graph_id: string;
  name: string;
  description?: string | null;
  config: { configurable?: Record<string, unknown>; [key: string]: unknown };
  context?: Record<string, unknown>;
  metadata: Record<string, unknown>;
  version: number;
  created_at: string;
  updated_at: string;
}

/** A model provider as the service shows it: never its key or its headers' values (write-only). */
export interface Provider {
  provider_id: string;
  name: string;
  kind: "openai-compatible";
  base_url: string;
  default_model: string | null;
  timeout_ms: number;
  api_key: { set: boolean; last4: string | null };
  /** The extra headers' names; their values never leave the service. */
  headers: string[];
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export type ProviderTestOutcome = "ok" | "unreachable" | "unauthorized" | "model_not_found" | "timeout" | "refused" | "bad_response";

/** `POST /api/providers/:id/test`: what one tiny request found; never the remote body. */
export interface ProviderTestResult {
  ok: boolean;
  result: ProviderTestOutcome;
  http_status: number | null;
  models: string[] | null;
  model: string | null;
  latency_ms: number;
  detail: string;
}
