/** What a curl command line asks of the service. */
export interface CurlRequest {
  method: string;
  path: string;
  query: [string, string][];
  /** The data sent as the body (`-d`, `--json`), unless it is read from a file (`@name`). */
  body?: string;
  fromFile: boolean;
}

// The options of curl the README uses that take a value; every other option is a flag.
const WITH_VALUE = new Set(["-H", "--header", "-X", "--request", "-o", "--output", "-w", "--write-out", "-u", "--user", "-m", "--max-time", "-A", "-e", "--data-urlencode", "-d", "--data", "--data-raw", "--data-binary", "--json"]);
const DATA = new Set(["-d", "--data", "--data-raw", "--data-binary", "--json"]);

/** Reads a curl call's arguments as curl would: its method, URL and data (`-G`: the data go in the query). */
export function curlRequest(args: string[]): CurlRequest {
  let method: string | undefined;
  let url: string | undefined;
  let get = false;
  const data: string[] = [];
  const encoded: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (WITH_VALUE.has(arg)) {
      const value = args[++i]!;
      if (arg === "-X" || arg === "--request") method = value;
      else if (DATA.has(arg)) data.push(value);
      else if (arg === "--data-urlencode") encoded.push(value);
    } else if (arg === "--get" || /^-[A-Za-z]*G[A-Za-z]*$/.test(arg)) {
      get = true;
    } else if (!arg.startsWith("-")) {
      url = arg;
    }
  }
  if (!url) throw new Error(`curl ${args.join(" ")}: no URL`);
  const parsed = new URL(/^https?:\/\//.test(url) ? url : `http://${url}`);
  const query = [...parsed.searchParams];
  if (get) {
    for (const d of data) query.push(...new URLSearchParams(d));
    for (const e of encoded) query.push([e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]);
  }
  const sent = get ? undefined : data.join("&") || undefined;
  return {
    method: method ?? (sent !== undefined ? "POST" : "GET"),
    path: parsed.pathname,
    query,
    body: sent?.startsWith("@") ? undefined : sent,
    fromFile: sent?.startsWith("@") ?? false,
  };
}
