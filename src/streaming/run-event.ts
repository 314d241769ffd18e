/**
 * The one streaming contract: everything a run tells its clients. Encoders (one per wire
 * format) turn these into bytes; nothing else on the token path knows LangGraph's events.
 */

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export interface ToolCallPart {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

export type RunStatus = "success" | "error" | "interrupted" | "timeout";

export type RunEvent =
  | { type: "start"; thread_id: string; run_id: string }
  | { type: "token"; content: string; index: number; message_id: string; node: string }
  | { type: "tool_start"; id: string; name: string; input: unknown }
  | { type: "tool_end"; id: string; name: string; output?: unknown; error?: string; duration_ms: number }
  | {
      type: "message";
      id: string;
      role: "user" | "assistant" | "tool" | "system";
      content: string;
      tool_calls?: ToolCallPart[];
      tool_call_id?: string;
      name?: string;
    }
  | { type: "doc"; [key: string]: unknown }
  /** A node's output, for a graph that keeps no messages (a chat's nodes show as messages instead). */
  | { type: "update"; node: string; values: unknown }
  | { type: "interrupt"; id: string; value: unknown }
  | { type: "error"; code: string; message: string }
  | {
      type: "end";
      thread_id: string;
      run_id: string;
      checkpoint_id: string | null;
      status: RunStatus;
      usage: Usage;
      latency_ms: number;
      ttft_ms: number | null;
    };

export type RunEventType = RunEvent["type"];

export function zeroUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
}

export function addUsage(a: Usage, b: Partial<Usage> | undefined): Usage {
  if (!b) return a;
  const input = a.input_tokens + (b.input_tokens ?? 0);
  const output = a.output_tokens + (b.output_tokens ?? 0);
  return { input_tokens: input, output_tokens: output, total_tokens: a.total_tokens + (b.total_tokens ?? 0) };
}
