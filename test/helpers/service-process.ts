import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import net from "node:net";

/** The node flags `npm start` gives (package.json's `start`: `node <flags> --import tsx src/main.ts`). */
export const START_NODE_FLAGS: string[] = (() => {
  const start = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).scripts.start as string;
  const tokens = start.split(/\s+/);
  return tokens.slice(tokens.indexOf("node") + 1, tokens.indexOf("--import"));
})();

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process printed so far (its JSON logs). */
  logs(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
}

export interface ServiceSpawnOptions {
  /** In a process group of its own, as a terminal runs `npm start`: signal it with `process.kill(-pid, …)`. */
  detached?: boolean;
  /** A command to run the service under (an init process, as in a container), then node's arguments. */
  via?: string[];
  /** Node flags instead of `npm start`'s (they would win over the same flags in `NODE_OPTIONS`). */
  nodeFlags?: string[];
}

/** `src/main.ts` in a process of its own, as `npm start` runs it (its node flags too), its output collected. */
export function spawnService(env: NodeJS.ProcessEnv, options: ServiceSpawnOptions = {}) {
  const [command, ...args] = [...(options.via ?? []), process.execPath, ...(options.nodeFlags ?? START_NODE_FLAGS), "--import", "tsx", "src/main.ts"];
  const child = spawn(command!, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: options.detached ?? false });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `src/main.ts` in a process of its own, as `npm start` runs it; resolves once it listens. */
export async function startServiceProcess(env: NodeJS.ProcessEnv, port?: number, options: ServiceSpawnOptions = {}): Promise<ServiceProcess> {
  const listenPort = port ?? (await freePort());
  const { child, exited, stdout, stderr } = spawnService({ ...env, PORT: String(listenPort), LOG_LEVEL: env.LOG_LEVEL ?? "info" }, options);
  const output = () => stdout() + stderr();
  for (let i = 0; !/threadloom is listening/.test(stdout()); i++) {
    if (child.exitCode !== null || i === 300) {
      child.kill("SIGKILL");
      throw new Error(`the service did not start (exit ${child.exitCode}): ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url: `http://127.0.0.1:${listenPort}`,
    logs: output,
    exited,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      return exited;
    },
  };
}
