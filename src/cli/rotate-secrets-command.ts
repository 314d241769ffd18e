import { destination, pino } from "pino";
import { ConfigError, loadConfig } from "../config.js";
import { openDatabase } from "../db/open-database.js";
import { RotationError, rotateSecrets } from "../providers/rotate-secrets.js";
import { keyId, SecretBox } from "../providers/secret-box.js";

/**
 * `threadloom rotate-secrets` (`npm run rotate-secrets`): re-encrypts every provider secret with
 * SECRETS_KEY, reading the database the service is configured with. Prints counts and key ids, never
 * a secret. Returns the exit code.
 */
export async function rotateSecretsCommand(env: NodeJS.ProcessEnv, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err.write(`rotate-secrets: ${e.message}\n`);
    return 1;
  }
  if (!config.SECRETS_KEY) {
    err.write("rotate-secrets: SECRETS_KEY is not set. Put the new key in SECRETS_KEY (`openssl rand -base64 32` makes one) and the old ones, comma-separated, in SECRETS_OLD_KEYS.\n");
    return 1;
  }
  // Warnings only: the database's start-up lines are not what this command is about.
  const logger = pino({ level: "warn" }, destination(2));
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 2, connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS, logger });
  try {
    const report = await rotateSecrets(db.pool, new SecretBox(config.SECRETS_KEY, config.SECRETS_OLD_KEYS));
    const current = keyId(config.SECRETS_KEY);
    out.write(`rotate-secrets: ${report.providers} providers with secrets: ${report.resealed} values re-encrypted with key ${current}, ${report.current} already were.\n`);
    if (config.SECRETS_OLD_KEYS.length > 0) out.write("Once every process of the service runs with this SECRETS_KEY, remove SECRETS_OLD_KEYS.\n");
    return 0;
  } catch (e) {
    if (!(e instanceof RotationError)) throw e;
    err.write(`rotate-secrets: ${e.message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}
