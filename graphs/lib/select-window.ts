import type { BaseMessage } from "@langchain/core/messages";

/**
 * The last `rounds` rounds of a conversation, where a round starts at a user message. Cutting
 * only at user messages never separates a tool call from its result, which the model API rejects.
 */
export function selectWindow(messages: BaseMessage[], rounds: number): BaseMessage[] {
  let seen = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].getType() === "human" && ++seen === rounds) return messages.slice(i);
  }
  return messages;
}
