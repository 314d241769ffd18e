import http from "node:http";
import { pino } from "pino";
import { ConfigError, listenHost, loadConfig } from "./config.js";
import { createService } from "./create-service.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  const logger = pino({ level: config.LOG_LEVEL, base: { service: "threadloom" } });
  const service = await createService(config, logger);
  const host = listenHost(config);
  const server = http.createServer(service.app);
  await new Promise<void>((resolve) => server.listen(config.PORT, host, resolve));
  const { port } = server.address() as { port: number };

  if (service.model.demo) logger.warn("using the offline DEMO model (deterministic, for trying things out): set OPENAI_API_KEY or OPENAI_BASE_URL to use a real one");
  if (config.API_KEYS.size === 0 && !["127.0.0.1", "::1", "localhost"].includes(host)) {
    logger.warn({ host }, "no API_KEYS set but HOST is not loopback: anyone who can reach this address can use the service");
  } else if (config.API_KEYS.size === 0) {
    logger.warn("no API_KEYS set: listening on this machine only, without authentication");
  }
  logger.info({ url: `http://${host === "0.0.0.0" ? "localhost" : host}:${port}` }, "threadloom is listening");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, "shutting down: finishing running runs");
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await service.close();
    server.closeAllConnections();
    await closed;
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
