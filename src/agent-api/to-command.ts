import { Command, Send } from "@langchain/langgraph";
import type { RunCreateBody } from "./run-request.js";

export type CommandJson = NonNullable<RunCreateBody["command"]>;

/** The Agent Server's Command from its JSON form (`goto` may name nodes or Sends). */
export function toCommand(command: CommandJson): Command {
  const send = (g: string | { node: string; input: unknown }) => (typeof g === "string" ? g : new Send(g.node, g.input));
  const goto = command.goto == null ? undefined : Array.isArray(command.goto) ? command.goto.map(send) : send(command.goto);
  return new Command({
    ...(command.resume !== undefined ? { resume: command.resume } : {}),
    ...(command.update != null ? { update: command.update } : {}),
    ...(goto !== undefined ? { goto } : {}),
  });
}
