/**
 * `langgraphjs dev` (the LangGraph CLI's in-memory Agent Server) serving the repository's graphs
 * with the bench's mock model, as the baseline threadloom's Agent Server API is compared with.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { cpuMs, descendantPids, freePort, memoryMiB, spawnCommand, waitForHttp, type Child } from "./processes.js";

export interface LangGraphCli {
  url: string;
  child: Child;
  /** The process that serves the API: the launcher runs tsx, which runs the server. */
  serverPid: number;
  cpuMs(): number;
  memoryMiB(): { rss: number; peak: number };
  /** Resident memory of the launcher and everything below it (tsx, the server, esbuild). */
  treeRssMiB(): number;
  stop(): Promise<void>;
}

const REPO = path.resolve(import.meta.dirname, "../..");

export const CLI_INSTALL_HINT = [
  "install it with `npm ci` (it is a devDependency), or elsewhere and point LANGGRAPH_CLI at its binary:",
  "  mkdir /tmp/lgcli && cd /tmp/lgcli && npm init -y && npm pkg set overrides.@langchain/core=1.2.13 \\",
  "    overrides.@langchain/langgraph=1.4.18 overrides.@langchain/langgraph-checkpoint=1.1.5 overrides.@langchain/langgraph-sdk=1.12.4",
  "  npm install @langchain/langgraph-cli@1.5.1 @langchain/langgraph-api@1.5.1",
  "  LANGGRAPH_CLI=/tmp/lgcli/node_modules/.bin/langgraphjs npm run bench",
].join("\n");

/** LANGGRAPH_CLI, else the repository's devDependency; undefined when neither exists. */
export function findLangGraphCli(): string | undefined {
  const bin = process.env.LANGGRAPH_CLI || path.join(REPO, "node_modules/.bin/langgraphjs");
  return existsSync(bin) ? bin : undefined;
}

/** The versions of the CLI and of the API server it runs, as installed beside `bin`. */
export function cliVersions(bin: string): string {
  const version = (name: string) => {
    for (let dir = path.dirname(realpathSync(bin)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const file = path.join(dir, "node_modules", name, "package.json");
      if (existsSync(file)) return `${name} ${(JSON.parse(readFileSync(file, "utf8")) as { version: string }).version}`;
    }
    return `${name} (version unknown)`;
  };
  return `${version("@langchain/langgraph-cli")}, ${version("@langchain/langgraph-api")}`;
}

export interface LangGraphCliOptions {
  bin: string;
  modelURL: string;
  tempDir: string;
  /** Runs the server executes at once (`--n-jobs-per-worker`); more wait in its queue. */
  jobs: number;
}

export async function startLangGraphCli(options: LangGraphCliOptions): Promise<LangGraphCli> {
  // The repository's langgraph.json in a directory of its own, its graph paths made relative to
  // that (the CLI joins them to it): the CLI keeps its state under the config's directory
  // (.langgraph_api/) and would load a previous run's from there.
  const projectDir = path.join(options.tempDir, "langgraph-cli");
  const config = JSON.parse(readFileSync(path.join(REPO, "langgraph.json"), "utf8")) as { graphs: Record<string, string>; env?: unknown };
  const graphs = Object.fromEntries(Object.entries(config.graphs).map(([id, spec]) => [id, path.relative(projectDir, path.resolve(REPO, spec))]));
  await mkdir(projectDir, { recursive: true });
  await writeFile(path.join(projectDir, "langgraph.json"), JSON.stringify({ ...config, graphs, env: undefined }));
  // Ours already ignores it; otherwise the CLI would append to the temp dir's missing .gitignore.
  await writeFile(path.join(projectDir, ".gitignore"), ".langgraph_api\n");

  const port = await freePort();
  const args = ["dev", "--config", path.join(projectDir, "langgraph.json"), "--host", "127.0.0.1", "--port", String(port), "--no-browser", "--no-reload"];
  const child = spawnCommand("langgraphjs dev", options.bin, [...args, "--n-jobs-per-worker", String(options.jobs)], {
    env: {
      OPENAI_BASE_URL: options.modelURL,
      OPENAI_API_KEY: "bench",
      OPENAI_MODEL: "mock-model",
      OPENAI_MAX_RETRIES: "0",
      LANGGRAPH_CLI_NO_ANALYTICS: "1",
      BROWSER: "none",
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(child, `${url}/ok`, 120_000);
  } catch (err) {
    await stopTree(child);
    throw err;
  }
  const serverPid = deepestNode(child.pid);
  return {
    url,
    child,
    serverPid,
    cpuMs: () => cpuMs(serverPid),
    memoryMiB: () => memoryMiB(serverPid),
    treeRssMiB: () => [child.pid, ...descendantPids(child.pid)].reduce((n, pid) => n + memoryMiB(pid).rss, 0),
    stop: () => stopTree(child),
  };
}

/** The last node process in the tree (esbuild's service is not one). */
function deepestNode(rootPid: number): number {
  return descendantPids(rootPid).filter((pid) => readProc(pid, "comm").trim() === "node").at(-1) ?? rootPid;
}

/** The launcher stops its children on SIGTERM; any that outlive it (same pid, same command line) are killed. */
async function stopTree(child: Child): Promise<void> {
  const below = descendantPids(child.pid).map((pid) => ({ pid, cmdline: readProc(pid, "cmdline") }));
  await child.stop();
  for (const { pid, cmdline } of below) {
    if (cmdline && readProc(pid, "cmdline") === cmdline) process.kill(pid, "SIGKILL");
  }
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return "";
  }
}
