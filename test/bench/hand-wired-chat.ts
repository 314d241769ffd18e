/**
 * The chat graph wired by hand, as src/create-service.ts built it before graphs came from the
 * manifest: its model built once, at start-up, from the environment. The manifest bench serves it
 * (through a manifest of its own) beside the repo's `chat` entry, whose model is read per call.
 */
import { buildChatGraph } from "../../graphs/chat.js";
import { createChatModel } from "../../graphs/lib/create-chat-model.js";

const settings = { model: process.env.OPENAI_MODEL ?? "mock-model", apiKey: process.env.OPENAI_API_KEY, baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 };

export const graph = buildChatGraph({ model: createChatModel(settings), modelWith: (s) => createChatModel({ ...settings, ...s, model: s.model ?? settings.model }) });
