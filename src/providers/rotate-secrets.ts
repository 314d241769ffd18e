import type pg from "pg";
import { inTransaction } from "../db/queryable.js";
import { resealSecrets, type StoredSecrets } from "./provider-secrets.js";
import * as sql from "./provider-sql.js";
import { SecretBoxError, type SecretBox } from "./secret-box.js";

export interface RotationReport {
  /** Providers holding at least one secret. */
  providers: number;
  /** Values sealed again with the current key. */
  resealed: number;
  /** Values already sealed with it. */
  current: number;
}

/** A value no key of this process opens: rotation stops, having changed nothing. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RotationError";
  }
}

/**
 * Seals every provider secret of every tenant with the current key (SECRETS_KEY), opening those
 * sealed with an old one (SECRETS_OLD_KEYS). All or nothing, in one transaction: a value no key
 * opens stops it naming its provider, and the rows stay as they were. The rows are locked meanwhile,
 * so a provider changed at the same time waits instead of being overwritten. Run twice, the second
 * run reseals nothing.
 */
export async function rotateSecrets(pool: pg.Pool, box: SecretBox): Promise<RotationReport> {
  if (!box.canSeal) throw new RotationError("SECRETS_KEY is not set: put the new key in SECRETS_KEY and the old ones in SECRETS_OLD_KEYS.");
  return inTransaction(pool, async (client) => {
    const report: RotationReport = { providers: 0, resealed: 0, current: 0 };
    const { rows } = await client.query(sql.SELECT_ALL_SEALED_FOR_UPDATE);
    for (const row of rows) {
      let next: ReturnType<typeof resealSecrets>;
      try {
        next = resealSecrets(box, { tenantId: row.tenant_id, providerId: row.provider_id }, row.secrets as StoredSecrets);
      } catch (err) {
        if (!(err instanceof SecretBoxError)) throw err;
        throw new RotationError(`provider "${row.name}" (${row.provider_id}, tenant "${row.tenant_id}"): ${err.message} Add the key it was sealed with to SECRETS_OLD_KEYS; nothing was changed.`);
      }
      report.providers++;
      report.resealed += next.resealed;
      report.current += next.current;
      if (next.resealed > 0) await client.query(sql.UPDATE_SECRETS, [row.provider_id, next.secrets]);
    }
    return report;
  });
}
