import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

export interface Block { lang: string; code: string; line: number }

/** The README's fenced code blocks (indented ones too, as in a list), in order. */
export function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const m of markdown.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```$/gm)) {
    const indent = m[1].length;
    const code = m[3].split("\n").map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join("\n");
    blocks.push({ lang: m[2], code, line: markdown.slice(0, m.index).split("\n").length });
  }
  return blocks;
}

/** The shell examples that call the service; the others start it (npm, npx, node), which a reader does once. */
export const curlBlocks = (blocks: Block[]) => blocks.filter((b) => (b.lang === "sh" || b.lang === "bash") && /\bcurl\b/.test(b.code));

const DATA_OPTIONS = new Set(["-d", "--data", "--data-raw", "--data-binary", "--json"]);

/** The bodies a curl command line sends that must be JSON: its data, and `name={…}` query values. */
export function jsonArguments(args: string[]): string[] {
  return args.flatMap((arg, i) => {
    const previous = args[i - 1];
    if (previous && DATA_OPTIONS.has(previous) && !arg.startsWith("@")) return [arg];
    if (previous === "--data-urlencode" && /^\w+=[[{]/.test(arg)) return [arg.slice(arg.indexOf("=") + 1)];
    return [];
  });
}

/**
 * The argument lists of every curl call in each block, as bash puts them together (quotes,
 * continuations, variables), with a curl that only records its arguments and answers `{}` (after
 * headers naming a thread and a run, when asked for them), and a jq that answers a UUID: the ids the
 * examples read from earlier answers.
 */
export async function recordedCurls(blocks: Block[]): Promise<{ block: Block; calls: string[][] }[]> {
  const dir = await mkdtemp(join(tmpdir(), "readme-args-"));
  const fake = `set -e
    id=0b6e7f0c-5d1e-4c4b-9a33-2f2b1c0d9e8f
    curl() {
      printf '%s\\0' "$@" > "$(mktemp "$CALLS/call.XXXXXX")"
      case " $* " in *" -D - "* | *" -i "*) printf 'HTTP/1.1 200 OK\\r\\nX-Thread-Id: %s\\r\\nX-Run-Id: %s\\r\\n\\r\\n' "$id" "$id" ;; esac
      echo '{}'
    }
    jq() { cat > /dev/null; echo "$id"; }`;
  try {
    const recorded = [];
    for (const [n, block] of blocks.entries()) {
      const dirOfCalls = join(dir, String(n));
      await mkdir(dirOfCalls);
      await run("bash", ["-c", `${fake}\n${block.code}`], { cwd: dir, env: { ...process.env, CALLS: dirOfCalls } }).catch((err) => {
        throw new Error(`README line ${block.line}: the shell could not run the block: ${err.stderr}`);
      });
      // In no particular order (mktemp's names are random).
      const files = await readdir(dirOfCalls);
      recorded.push({ block, calls: await Promise.all(files.map(async (file) => (await readFile(join(dirOfCalls, file), "utf8")).split("\0").slice(0, -1))) });
    }
    return recorded;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
