import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import net from "node:net";

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process printed so far (its JSON logs). */
  logs(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `src/main.ts` in a process of its own, as `npm start` runs it; resolves once it listens. */
export async function startServiceProcess(env: NodeJS.ProcessEnv, port?: number): Promise<ServiceProcess> {
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...env, PORT: String(listenPort), LOG_LEVEL: env.LOG_LEVEL ?? "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  for (let i = 0; !/threadloom is listening/.test(output); i++) {
    if (child.exitCode !== null || i === 300) {
      child.kill("SIGKILL");
      throw new Error(`the service did not start (exit ${child.exitCode}): ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url: `http://127.0.0.1:${listenPort}`,
    logs: () => output,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      return code as number | null;
    },
  };
}
