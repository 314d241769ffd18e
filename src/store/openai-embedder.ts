import { AppError } from "../errors.js";

/** Turns texts into vectors, one per text, in order. */
export type Embed = (texts: string[]) => Promise<number[][]>;

export interface OpenAIEmbedderOptions {
  /** The API's base URL, `…/v1` (OPENAI_BASE_URL, or the demo model's). */
  baseURL: string;
  apiKey?: string;
  model: string;
  /** How long one call may take. */
  timeoutMs?: number;
}

/** How many texts one request carries (OpenAI takes up to 2,048). */
const BATCH = 512;

/**
 * `POST {baseURL}/embeddings` of an OpenAI-compatible server. A failure (unreachable, an error status,
 * an answer of the wrong shape) is an `unavailable` error saying what the server did.
 */
export function openAIEmbedder(options: OpenAIEmbedderOptions): Embed {
  const url = `${options.baseURL.replace(/\/+$/, "")}/embeddings`;
  const call = async (input: string[]): Promise<number[][]> => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
        body: JSON.stringify({ model: options.model, input, encoding_format: "float" }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw failed(`could not be reached (${(err as Error).message})`);
    }
    const text = await res.text();
    if (!res.ok) throw failed(`answered ${res.status}: ${text.slice(0, 300)}`);
    const data = (safeJson(text) as { data?: { index?: number; embedding?: unknown }[] } | null)?.data;
    if (!Array.isArray(data) || data.length !== input.length) throw failed(`answered without one embedding per text`);
    const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return ordered.map((d) => {
      if (!Array.isArray(d.embedding) || !d.embedding.every((x) => typeof x === "number" && Number.isFinite(x))) throw failed("answered an embedding that is not an array of numbers");
      return d.embedding as number[];
    });
  };
  const failed = (what: string) => new AppError("unavailable", `The embedding model ${options.model} at ${url} ${what}.`);
  return async (texts) => {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += BATCH) out.push(...(await call(texts.slice(i, i + BATCH))));
    return out;
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
