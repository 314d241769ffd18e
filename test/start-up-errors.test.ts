import net from "node:net";
import { describe, expect, inject, it } from "vitest";
import { withDatabase } from "./helpers/global-setup.js";
import { freePort, spawnService, START_NODE_FLAGS } from "./helpers/service-process.js";
import { expectStartUpError } from "./helpers/start-up-in-process.js";

const PASSWORD = "s3cret-pw-never-printed";

/** `npm start` on `databaseUrl`, run until it exits by itself: exit code and stderr. */
async function start(databaseUrl: string, extra: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, PORT: String(await freePort()), ...extra };
  for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "API_KEYS", "HOST"]) delete env[name];
  const service = spawnService(env);
  const code = await service.exited;
  return { code, output: service.stdout() + service.stderr(), lines: service.stderr().trim().split("\n") };
}

// Proves a well-formed but wrong DATABASE_URL stops start-up with one line that names the variable,
// the server and the reason, never the password, and exit code 1, not a driver's stack.
describe("a DATABASE_URL that does not work", () => {
  it("says the connection was refused", async () => {
    const port = await freePort();
    const { code, output, lines } = await start(`postgres://threadloom:${PASSWORD}@127.0.0.1:${port}/threadloom`);
    expect(code).toBe(1);
    expect(lines).toEqual([`DATABASE_URL: cannot connect to threadloom@127.0.0.1:${port}/threadloom: connection refused (is PostgreSQL running there, on that port?)`]);
    expect(output).not.toContain(PASSWORD);
  }, 60_000);

  // The others run main's start-up in this process (no process of its own each): the same line.
  const startUp = (databaseUrl: string, extra: NodeJS.ProcessEnv = {}) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, ...extra };
    for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "API_KEYS", "HOST"]) delete env[name];
    return env;
  };

  it("says the database does not exist", async () => {
    // The test server's own password where it has one (it is checked before the database).
    const url = new URL(withDatabase(inject("pgServerUrl"), "nonexistent_db"));
    url.password ||= PASSWORD;
    const { line, logs } = await expectStartUpError(startUp(url.toString()), `DATABASE_URL: cannot connect to ${url.username}@${url.hostname}:${url.port}/nonexistent_db: database "nonexistent_db" does not exist`);
    // (The embedded test server's password is "threadloom", which the logs name anyway.)
    expect(logs + line).not.toContain(`:${url.password}@`);
  });

  // The embedded test server checks passwords; a system one set up for tests may trust everyone.
  it.runIf(new URL(inject("pgServerUrl")).password !== "")("says the password was refused", async () => {
    const url = new URL(inject("pgServerUrl"));
    url.password = PASSWORD;
    const { line, logs } = await expectStartUpError(startUp(url.toString()), `DATABASE_URL: cannot connect to ${url.username}@${url.hostname}:${url.port}${url.pathname}: password authentication failed for user "${url.username}"`);
    expect(logs + line).not.toContain(PASSWORD);
  });

  it("gives up after DB_CONNECT_TIMEOUT_MS on a server that never answers", async () => {
    const silent = net.createServer(() => {}).listen(0, "127.0.0.1");
    await new Promise((r) => silent.once("listening", r));
    const { port } = silent.address() as net.AddressInfo;
    try {
      await expectStartUpError(startUp(`postgres://threadloom:${PASSWORD}@127.0.0.1:${port}/threadloom`, { DB_CONNECT_TIMEOUT_MS: "500" }), `DATABASE_URL: cannot connect to threadloom@127.0.0.1:${port}/threadloom: no answer within 500 ms (DB_CONNECT_TIMEOUT_MS)`);
    } finally {
      silent.close();
    }
  });
});

// `npm start` caps V8's heap (see src/heap-headroom.ts) and says so; a run limit the cap is too small
// for is named at start-up, before anything else can fail (here the database, refused).
describe("V8's heap limit", () => {
  const logLines = (output: string) => output.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
  const flag = START_NODE_FLAGS.find((f) => f.startsWith("--max-old-space-size="));

  it("is npm start's, and a MAX_CONCURRENT_RUNS it cannot hold is warned of", async () => {
    expect(flag).toBeDefined();
    const limitMiB = Number(flag!.split("=")[1]);
    const refused = `postgres://threadloom@127.0.0.1:${await freePort()}/threadloom`;
    const [small, large] = await Promise.all([start(refused, { LOG_LEVEL: "info" }), start(refused, { LOG_LEVEL: "info", MAX_CONCURRENT_RUNS: "5000" })]);
    const starting = logLines(small.output).find((l) => l.msg === "starting threadloom");
    // The old generation's limit, plus what V8 adds for the young one.
    expect(starting?.heapLimitMiB).toBeGreaterThanOrEqual(limitMiB);
    expect(starting?.heapLimitMiB).toBeLessThan(limitMiB + 256);
    expect(logLines(small.output).filter((l) => l.level === 40).map((l) => l.msg)).toEqual([]);
    const warned = logLines(large.output).find((l) => String(l.msg).startsWith("MAX_CONCURRENT_RUNS runs may need more heap"));
    expect(warned).toMatchObject({ maxRuns: 5000, heapLimitMiB: starting!.heapLimitMiB });
    expect(warned!.neededMiB).toBeGreaterThan(starting!.heapLimitMiB as number);
  }, 60_000);
});
