export interface RunOutcome {
  status: string;
  error: string | null;
}

/**
 * Reads a `/api/chat` event stream to its end: the node of each `token` or `update` as it comes
 * (`onNode`), then the run's ending (`end`'s status, or the `error` event's message).
 */
export async function readRunStream(res: Response, onNode: (node: string) => void): Promise<RunOutcome> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const outcome: RunOutcome = { status: "unknown", error: null };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut: number;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      const data = frame
        .split(/\r?\n/)
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart())
        .join("\n");
      if (!data) continue;
      const event = JSON.parse(data) as { type: string; node?: string; status?: string; message?: string };
      if ((event.type === "token" || event.type === "update") && event.node) onNode(event.node);
      else if (event.type === "error") outcome.error = event.message ?? "The run failed.";
      else if (event.type === "end") outcome.status = event.status ?? "unknown";
    }
  }
  return outcome;
}
