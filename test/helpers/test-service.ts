import http from "node:http";
import type { AddressInfo } from "node:net";
import { pino, type Logger } from "pino";
import { expect } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createService, type Service } from "../../src/create-service.js";
import { startMockOpenAI, type MockOpenAI, type MockScript } from "./mock-openai.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

export interface TestService {
  url: string;
  service: Service;
  db: TestDatabase;
  mock: MockOpenAI;
  /** Closes the HTTP server and the service; fails the test if a run or a pool client was left behind. */
  close(options?: { allowActiveRuns?: boolean; graceMs?: number }): Promise<void>;
}

export interface TestServiceOptions {
  env?: Record<string, string>;
  /** Share a database (a second app instance) or a mock model between services. */
  db?: TestDatabase;
  mock?: MockOpenAI;
  script?: MockScript;
  /** Where the service logs (default: nowhere, or TEST_LOG_LEVEL's level on stdout). */
  logger?: Logger;
}

/** The real service on an ephemeral port, on a fresh database, talking to a mock model over HTTP. */
export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const db = options.db ?? (await createTestDatabase());
  const mock = options.mock ?? (await startMockOpenAI(options.script));
  const config = loadConfig({
    DATABASE_URL: db.url,
    OPENAI_BASE_URL: mock.baseURL,
    OPENAI_API_KEY: "test-key",
    OPENAI_MODEL: "mock-model",
    OPENAI_MAX_RETRIES: "0",
    DB_POOL_MAX: "10",
    LOG_LEVEL: "silent",
    ...options.env,
  });
  // What graphs read from the environment (SYSTEM_PROMPT, WINDOW_ROUNDS...), for this service's life.
  const restoreEnv = setEnv(options.env ?? {});
  const service = await createService(config, options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }));
  const server = http.createServer(service.app);
  service.attach(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    service,
    db,
    mock,
    async close({ allowActiveRuns = false, graceMs = 0 } = {}) {
      if (!allowActiveRuns) expect(service.runs.activeCount, "a run was still active when the test ended").toBe(0);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close(graceMs);
      server.closeAllConnections();
      await closed;
      restoreEnv();
      if (!options.mock) await mock.close();
    },
  };
}

function setEnv(vars: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
