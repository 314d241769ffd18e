import net from "node:net";
import { describe, expect, inject, it } from "vitest";
import { withDatabase } from "./helpers/global-setup.js";
import { freePort, spawnService } from "./helpers/service-process.js";

const PASSWORD = "s3cret-pw-never-printed";

/** The service on `databaseUrl`, run until it exits by itself: exit code and stderr. */
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

  it("says the database does not exist", async () => {
    // The test server's own password where it has one (it is checked before the database).
    const url = new URL(withDatabase(inject("pgServerUrl"), "nonexistent_db"));
    url.password ||= PASSWORD;
    const { code, output, lines } = await start(url.toString());
    expect(code).toBe(1);
    expect(lines).toEqual([`DATABASE_URL: cannot connect to ${url.username}@${url.hostname}:${url.port}/nonexistent_db: database "nonexistent_db" does not exist`]);
    // (The embedded test server's password is "threadloom", which the logs name anyway.)
    expect(output).not.toContain(`:${url.password}@`);
  }, 60_000);

  // The embedded test server checks passwords; a system one set up for tests may trust everyone.
  it.runIf(new URL(inject("pgServerUrl")).password !== "")("says the password was refused", async () => {
    const url = new URL(inject("pgServerUrl"));
    url.password = PASSWORD;
    const { code, output, lines } = await start(url.toString());
    expect(code).toBe(1);
    expect(lines).toEqual([`DATABASE_URL: cannot connect to ${url.username}@${url.hostname}:${url.port}${url.pathname}: password authentication failed for user "${url.username}"`]);
    expect(output).not.toContain(PASSWORD);
  }, 60_000);

  it("gives up after DB_CONNECT_TIMEOUT_MS on a server that never answers", async () => {
    const silent = net.createServer(() => {}).listen(0, "127.0.0.1");
    await new Promise((r) => silent.once("listening", r));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const { code, lines } = await start(`postgres://threadloom:${PASSWORD}@127.0.0.1:${port}/threadloom`, { DB_CONNECT_TIMEOUT_MS: "500" });
      expect(code).toBe(1);
      expect(lines).toEqual([`DATABASE_URL: cannot connect to threadloom@127.0.0.1:${port}/threadloom: no answer within 500 ms (DB_CONNECT_TIMEOUT_MS)`]);
    } finally {
      silent.close();
    }
  }, 60_000);
});
