import { Annotation } from "@langchain/langgraph";

/**
 * What a run may set for the chat graph, each read from `context` or else `configurable` by its
 * snake_case name: the graph's context annotation. LangGraph checks nothing of it at run time
 * (chatSettings does); its types and JSDoc (descriptions, `@minimum`...) are what
 * `GET /assistants/chat/schemas` gives as the config and context schemas, which forms are drawn from.
 */
export const ChatContext = Annotation.Root({
  /**
   * The instructions the model gets before the conversation. Default: SYSTEM_PROMPT from the
   * environment, else a short helpful-assistant prompt.
   * @minLength 1
   * @maxLength 20000
   */
  system_prompt: Annotation<string>,
  /**
   * How many rounds (a user message and all that follows it) the model is sent. Default:
   * WINDOW_ROUNDS from the environment, else 20.
   * @type integer
   * @minimum 1
   * @maximum 1000
   */
  window_rounds: Annotation<number>,
  /**
   * The model's name at the model server. Default: OPENAI_MODEL.
   * @minLength 1
   * @maxLength 200
   */
  model: Annotation<string>,
  /**
   * Sampling temperature: 0 is the most predictable. Default: the model server's.
   * @minimum 0
   * @maximum 2
   */
  temperature: Annotation<number>,
  /** The graph's tools this run may call, by name (calculator, current_time, send_email); absent means all of them. */
  tools: Annotation<string[]>,
});

/**
 * `provider_id` (one of the tenant's model providers, `POST /api/providers`; `model` then names one of
 * its models) is read from `configurable` only, and is not in the context annotation: it is where an
 * assistant keeps it, where deleting a provider looks for users of it, and where the web app saves it.
 */
export type ChatSettings = Partial<typeof ChatContext.State> & { provider_id?: string };

/**
 * A setting of the wrong type or out of range. The server shows the message of an error named
 * `InvalidConfigError` as the run's error (LangGraph's Agent Server shows every graph error's), so
 * it says which value is wrong and never echoes more than a little of it.
 */
export class InvalidConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidConfigError";
  }
}

type Check = (value: unknown) => string | null;

const text = (max: number): Check => (v) =>
  typeof v !== "string" || v.trim() === "" ? "must be a non-empty string" : v.length > max ? `must be at most ${max} characters` : null;

const CHECKS: Record<keyof ChatSettings, Check> = {
  system_prompt: text(20_000),
  model: text(200),
  temperature: (v) => (typeof v === "number" && v >= 0 && v <= 2 ? null : "must be a number from 0 to 2"),
  window_rounds: (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1000 ? null : "must be an integer from 1 to 1000"),
  tools: (v) => (Array.isArray(v) && v.every((name) => typeof name === "string") ? null : "must be a list of tool names"),
  provider_id: (v) => (typeof v === "string" && UUID.test(v) ? null : "must be a provider's id (a UUID)"),
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONFIGURABLE_ONLY = new Set<string>(["provider_id"]);

/**
 * The chat graph's settings for one run. The service stores whatever an assistant was given, as
 * LangGraph's does; this graph checks what it reads and fails the run, naming each bad value,
 * rather than run with a setting it cannot use. A value in `context` wins over `configurable`.
 */
export function chatSettings(config: { configurable?: Record<string, unknown>; context?: unknown }): ChatSettings {
  const context = isObject(config.context) ? config.context : {};
  const configurable = config.configurable ?? {};
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, check] of Object.entries(CHECKS)) {
    const [where, value] = key in context && !CONFIGURABLE_ONLY.has(key) ? ["context", context[key]] : ["configurable", configurable[key]];
    if (value === undefined || value === null) continue;
    const problem = check(value);
    if (problem) problems.push(`${where}.${key} ${problem} (got ${shown(value)})`);
    else settings[key] = value;
  }
  if (problems.length > 0) throw new InvalidConfigError(`The chat graph cannot run with this config: ${problems.join("; ")}.`);
  return settings as ChatSettings;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}
