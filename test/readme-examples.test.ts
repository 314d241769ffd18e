import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { README, curlBlocks as shellCurlBlocks, fencedBlocks, jsonArguments, recordedCurls } from "./helpers/readme-curls.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const run = promisify(execFile);
const blocks = fencedBlocks(README);
const curlBlocks = shellCurlBlocks(blocks);

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
    for (const { block, calls } of await recordedCurls(curlBlocks)) {
      expect(calls.length, `README line ${block.line}`).toBeGreaterThan(0);
      for (const args of calls) {
        for (const body of jsonArguments(args)) {
          expect(() => JSON.parse(body), `README line ${block.line}: curl ${args.join(" ")}`).not.toThrow();
        }
      }
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
      // SECRETS_KEY as *Model providers* asks a reader to set it before storing a provider's key.
      t = await startTestService({ env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "", DEMO_TOKEN_DELAY_MS: "0", SECRETS_KEY: "c2VjcmV0cy1rZXktb2YtdGhlLXJlYWRtZS10ZXN0cyE=" } });
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
