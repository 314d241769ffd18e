/** Where ChatOpenAI sends requests when no base URL is configured. */
export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

/** A model server as it may be shown to anyone: in logs, in /api/status and in error messages. */
export interface ModelServer {
  /** The base URL without user name, password, query string or fragment, which may hold secrets. */
  baseUrl: string;
  /** `scheme://host[:port]`: what error messages name. */
  origin: string;
  /** The model name the service asks for by default (a stored assistant may ask for another). */
  model: string;
  /** The offline demo model, started by the service itself. */
  demo: boolean;
}

export function describeModelServer(options: { baseURL?: string; model: string; demo: boolean }): ModelServer {
  const url = options.baseURL ?? OPENAI_DEFAULT_BASE_URL;
  return { baseUrl: shownUrl(url), origin: urlOrigin(url), model: options.model, demo: options.demo };
}

/** The URL without credentials, query or fragment; something unparseable is not shown at all. */
export function shownUrl(url: string): string {
  const parsed = parse(url);
  if (!parsed) return "(an invalid URL)";
  parsed.username = "";
  parsed.password = "";
  parsed.search = "";
  parsed.hash = "";
  return parsed.pathname === "/" ? parsed.origin : parsed.href;
}

/** `scheme://host[:port]` of the URL (the default port is left out, as browsers show it). */
export function urlOrigin(url: string): string {
  return parse(url)?.origin ?? "(an invalid URL)";
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
