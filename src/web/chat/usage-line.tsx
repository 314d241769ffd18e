import type { Message } from "../api/types";
import { useProviderName } from "../providers/use-providers";

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/**
 * Under a reply: its model (and the provider that answered, when not the environment's), tokens
 * in/out, time to first token and latency, as the mirror stored them.
 */
export function UsageLine({ message }: { message: Message }) {
  const providerName = useProviderName(message.provider_id);
  const parts: string[] = [];
  const provider = providerName === undefined ? null : `on ${providerName ?? "a deleted provider"}`;
  if (message.model || provider) parts.push([message.model, provider].filter(Boolean).join(" "));
  if (message.usage) parts.push(`${message.usage.input_tokens} in / ${message.usage.output_tokens} out tokens`);
  if (message.ttft_ms != null) parts.push(`TTFT ${ms(message.ttft_ms)}`);
  if (message.latency_ms != null) parts.push(`latency ${ms(message.latency_ms)}`);
  if (message.status !== "complete") parts.push(message.status);
  if (parts.length === 0) return null;
  return (
    <div className="usage-line" aria-label="Reply usage">
      {parts.join(" · ")}
    </div>
  );
}
