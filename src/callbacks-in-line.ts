/** What turns LangSmith tracing on, as @langchain/core 1.2 reads it (any value of the last one). */
const TRACING_VARS = ["LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING", "LANGCHAIN_TRACING"];

/**
 * LangChain runs a callback handler that does not ask to be awaited in a background queue, one for
 * the whole process, a task per event. LangGraph's `messages` stream mode is such a handler, so each
 * token of every run went through that queue (its promises, its events, an AsyncLocalStorage run)
 * before reaching the run. The background is there for a tracer's network work; without one,
 * handlers run in line, which is what LANGCHAIN_CALLBACKS_BACKGROUND=false asks. So that is the
 * default unless tracing is configured or the variable is set. Handlers read it when built: call
 * this at start-up, once the environment is complete. Returns whether it set it.
 */
export function runCallbacksInLine(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.LANGCHAIN_CALLBACKS_BACKGROUND !== undefined) return false;
  if (TRACING_VARS.some((name) => env[name] !== undefined && env[name] !== "" && env[name] !== "false")) return false;
  env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";
  return true;
}
