import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "./helpers/test-service.js";

const run = promisify(execFile);
const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

interface Block { lang: string; code: string; line: number }

/** The README's fenced code blocks (indented ones too, as in a list), in order. */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const m of markdown.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```$/gm)) {
    const indent = m[1].length;
    const code = m[3].split("\n").map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join("\n");
    blocks.push({ lang: m[2], code, line: markdown.slice(0, m.index).split("\n").length });
  }
  return blocks;
}

const blocks = fencedBlocks(README);
// The shell examples that call the service; the others start it (npm, npx, node), which a reader does once.
const curlBlocks = blocks.filter((b) => (b.lang === "sh" || b.lang === "bash") && /\bcurl\b/.test(b.code));
const DATA_OPTIONS = new Set(["-d", "--data", "--data-raw", "--data-binary", "--json"]);

/** The bodies a curl command line sends that must be JSON: its data, and `name={…}` query values. */
function jsonArguments(args: string[]): string[] {
  return args.flatMap((arg, i) => {
    const previous = args[i - 1];
    if (previous && DATA_OPTIONS.has(previous) && !arg.startsWith("@")) return [arg];
    if (previous === "--data-urlencode" && /^\w+=[[{]/.test(arg)) return [arg.slice(arg.indexOf("=") + 1)];
    return [];
  });
}

describe("README examples", () => {
  it("has shell examples that call the service, and no fenced example in a language it does not check", () => {
    expect(curlBlocks.length).toBeGreaterThanOrEqual(8);
    expect(blocks.map((b) => b.lang).filter((lang) => !["sh", "bash", "json", "ts", "js", ""].includes(lang))).toEqual([]);
  });

  it("has JSON examples that parse as they stand", () => {
    for (const block of blocks.filter((b) => b.lang === "json")) {
      expect(() => JSON.parse(block.code), `README line ${block.line}`).not.toThrow();
    }
  });

  // Bash itself reads each block (quotes, continuations, variables), with a curl that only records
  // its arguments: every JSON body must parse once the shell has put it together.
  it("sends only bodies that parse as JSON, whatever the ids", async () => {
    const dir = await mkdtemp(join(tmpdir(), "readme-args-"));
    try {
      const fake = `set -e
        curl() { printf '%s\\0' "$@" > "$(mktemp "$CALLS/call.XXXXXX")"; echo '{}'; }
        jq() { cat > /dev/null; echo 0b6e7f0c-5d1e-4c4b-9a33-2f2b1c0d9e8f; }`;
      for (const [n, block] of curlBlocks.entries()) {
        const calls = join(dir, String(n));
        await mkdir(calls);
        await run("bash", ["-c", `${fake}\n${block.code}`], { cwd: dir, env: { ...process.env, CALLS: calls } }).catch((err) => {
          throw new Error(`README line ${block.line}: the shell could not run the block: ${err.stderr}`);
        });
        const files = await readdir(calls);
        expect(files.length, `README line ${block.line}`).toBeGreaterThan(0);
        for (const file of files) {
          const args = (await readFile(join(calls, file), "utf8")).split("\0").slice(0, -1);
          for (const body of jsonArguments(args)) {
            expect(() => JSON.parse(body), `README line ${block.line}: curl ${args.join(" ")}`).not.toThrow();
          }
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The real thing: each block, in order, pasted into bash against a running service on the demo
  // model, as a reader following the README would (a block takes its ids from what the blocks before
  // it made: the newest thread, the paused one). Any HTTP error or error event fails it.
  describe("against a running service", () => {
    let t: TestService;
    let dir: string;
    beforeAll(async () => {
      for (const tool of ["curl", "jq"]) {
        await run(tool, ["--version"]).catch(() => {
          throw new Error(`the README's examples need ${tool}, which is not installed`);
        });
      }
      t = await startTestService({ env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "", DEMO_TOKEN_DELAY_MS: "0" } });
      dir = await mkdtemp(join(tmpdir(), "readme-run-"));
    });
    afterAll(async () => {
      await t.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("runs every curl example in order, each answering without an error", { timeout: 180_000 }, async () => {
      const host = new URL(t.url).host;
      const log = join(dir, "curl.log");
      const prelude = `set -eo pipefail
        curl() { printf 'curl %s\\n' "$*" >> "$LOG"; command curl --silent --show-error --fail-with-body "$@"; }`;
      let output = "";
      for (const block of curlBlocks) {
        const code = block.code.replaceAll("http://127.0.0.1:3000", `http://${host}`).replaceAll("localhost:3000", host);
        const { stdout } = await run("bash", ["-c", `${prelude}\n${code}`], { cwd: dir, env: { ...process.env, LOG: log }, maxBuffer: 64 * 1024 * 1024 }).catch(async (err) => {
          const last = (await readFile(log, "utf8").catch(() => "")).trim().split("\n").at(-1);
          throw new Error(`README line ${block.line}: ${last}\n${err.stderr}\n${err.stdout}`);
        });
        expect(stdout, `README line ${block.line}`).not.toMatch(/^event: error$/m);
        output += stdout;
      }
      const calls = (await readFile(log, "utf8")).trim().split("\n");
      expect(calls.length).toBeGreaterThanOrEqual(40);
      // What the examples promise: the downloads, and an assistant that quotes its prompt.
      const files = (await readdir(dir)).filter((f) => f !== "curl.log").map((f) => f.replace(/^(threads?)-[^.]+/, "$1-*"));
      expect(files.sort()).toEqual(["thread-*.branches.json", "thread-*.md", "threads-*.jsonl"]);
      expect(output).toContain(String.raw`"content":"My system prompt says: \"Speak like a pirate.\"`);
    });
  });
});
