import { AppError } from "../errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks a `provider_id` an assistant or a run is given before it is stored or run: it must name one
 * of the caller's tenant's providers. Another tenant's is refused in the same words as one that never
 * existed. Refusals are 422 `unknown_provider` naming the field as the request spelled it.
 */
export class ProviderRefs {
  constructor(private readonly exists: (tenantId: string, providerId: string) => Promise<boolean>) {}

  /** `configurable`'s provider_id, if it has one (null and absent are none); `field` is its path in the request. */
  async check(tenantId: string, configurable: Record<string, unknown> | undefined, field: string): Promise<void> {
    const value = configurable?.provider_id;
    if (value === undefined || value === null) return;
    if (typeof value !== "string" || !UUID.test(value)) throw refused(field, "must be a provider's id (a UUID)");
    if (!(await this.exists(tenantId, value))) throw refused(field, `there is no provider ${value}; GET /api/providers lists yours`);
  }
}

function refused(name: string, reason: string): AppError {
  return new AppError("unknown_provider", `Invalid body: ${name}: ${reason}.`, { fields: [{ name, reason }] });
}
