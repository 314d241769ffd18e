import type { LineInput } from "./line-input.js";
import type { TerminalOutput } from "./terminal-output.js";

interface ActionRequest {
  name: string;
  args: Record<string, unknown>;
  description?: string;
}

interface ReviewConfig {
  action_name: string;
  allowed_decisions?: string[];
}

type Decision = { type: "approve" } | { type: "reject" } | { type: "edit"; edited_action: { name: string; args: Record<string, unknown> } };

const CHOICES = [
  { type: "approve", key: "y", words: ["y", "yes"], label: "[y]es" },
  { type: "reject", key: "n", words: ["n", "no"], label: "[n]o" },
  { type: "edit", key: "e", words: ["e", "edit"], label: "[e]dit" },
] as const;

/**
 * Asks the human what a paused run needs: for LangChain's human-in-the-loop pause, one decision per
 * call (y / n / edit, as the pause allows; edit opens the arguments as JSON to change); for any
 * other `interrupt()`, a JSON (or text) answer. Null when input ended first: the thread stays paused.
 */
export async function askResume(value: unknown, input: LineInput, out: TerminalOutput): Promise<unknown | null> {
  const requests = (value as { action_requests?: ActionRequest[] } | null)?.action_requests;
  if (!Array.isArray(requests)) {
    out.line(`${out.paint("yellow", "⏸")} The graph asks: ${JSON.stringify(value)}`);
    const answer = await input.ask("answer> ");
    return answer === null ? null : parseAnswer(answer);
  }
  const reviews = (value as { review_configs?: ReviewConfig[] }).review_configs ?? [];
  const decisions: Decision[] = [];
  for (const [i, request] of requests.entries()) {
    const review = reviews[i]?.action_name === request.name ? reviews[i] : reviews.find((r) => r.action_name === request.name);
    const decision = await askDecision(request, review?.allowed_decisions ?? ["approve", "edit", "reject"], input, out);
    if (!decision) return null;
    decisions.push(decision);
  }
  return { decisions };
}

async function askDecision(request: ActionRequest, allowed: string[], input: LineInput, out: TerminalOutput): Promise<Decision | null> {
  out.line(`${out.paint("yellow", "⏸")} ${out.paint("bold", request.name)} waits for your approval:`);
  out.line(indent(JSON.stringify(request.args, null, 2)));
  const choices = CHOICES.filter((c) => allowed.includes(c.type));
  const question = `Run it? ${choices.map((c) => c.label).join(" / ")} `;
  for (;;) {
    const answer = await input.ask(question);
    if (answer === null) return null;
    const choice = choices.find((c) => (c.words as readonly string[]).includes(answer.trim().toLowerCase()));
    if (!choice) {
      out.line(`Answer ${choices.map((c) => c.key).join(", ")}.`);
      continue;
    }
    if (choice.type !== "edit") return { type: choice.type };
    const args = await askArgs(request.args, input, out);
    if (!args) return null;
    return { type: "edit", edited_action: { name: request.name, args } };
  }
}

async function askArgs(args: Record<string, unknown>, input: LineInput, out: TerminalOutput): Promise<Record<string, unknown> | null> {
  if (!input.terminal) out.line("The arguments as one line of JSON:");
  for (;;) {
    const text = await input.ask("args> ", { text: JSON.stringify(args) });
    if (text === null) return null;
    try {
      const edited = JSON.parse(text);
      if (edited && typeof edited === "object" && !Array.isArray(edited)) return edited;
      out.line("The arguments must be a JSON object.");
    } catch (error) {
      out.line(`Not JSON: ${(error as Error).message}`);
    }
  }
}

function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const indent = (text: string) => text.replace(/^/gm, "  ");
