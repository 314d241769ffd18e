import type { BaseMessage } from "@langchain/core/messages";
import { toMessageRows } from "./message-row.js";
import { messageCoreJson } from "./thread-json.js";

/** A checkpoint's message in the API's message shape (what state reads return). */
export function langchainMessageJson(message: BaseMessage) {
  return messageCoreJson(toMessageRows([message])[0]);
}
