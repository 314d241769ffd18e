/** The model settings graphs read from the environment (graphs/lib/model-from-env, and ChatOpenAI's own defaults). */
export interface GraphModelEnv {
  model: string;
  baseURL?: string;
  apiKey?: string;
  maxRetries: number;
}

/**
 * Puts the service's model settings into the process environment, where a graph reads them as it
 * would under the LangGraph CLI: `OPENAI_BASE_URL`, `OPENAI_API_KEY`, `OPENAI_MODEL`,
 * `OPENAI_MAX_RETRIES`. A setting the service has not got is removed, so a graph never mixes two
 * configurations. One model per process: services started in one process share it.
 */
export function exposeModelToGraphs(settings: GraphModelEnv, env: NodeJS.ProcessEnv = process.env): void {
  const set = (name: string, value: string | undefined) => {
    if (value === undefined) delete env[name];
    else env[name] = value;
  };
  set("OPENAI_MODEL", settings.model);
  set("OPENAI_BASE_URL", settings.baseURL);
  set("OPENAI_API_KEY", settings.apiKey ?? (settings.baseURL ? "not-needed" : undefined));
  set("OPENAI_MAX_RETRIES", String(settings.maxRetries));
}
