import type { RequestHandler } from "express";
import type { Owner } from "../conversations/conversation-repository.js";
import { AppError } from "../errors.js";
import type { UsageCounters } from "../limits/usage-counters.js";

/**
 * RATE_LIMIT_RPM: at most `perMinute` requests a minute per owner (the tenant and user an API key
 * stands for), counted in PostgreSQL so every replica agrees; one statement per request. Mounted
 * after authentication, so it knows the owner; not mounted at all when the limit is off.
 */
export function rateLimit(counters: UsageCounters, perMinute: number): RequestHandler {
  return async (_req, res, next) => {
    // No owner: a route the manifest's auth leaves open (GET /info), counted for nobody.
    const owner = res.locals.owner as Owner | undefined;
    if (!owner) return next();
    const { tenantId, userId } = owner;
    const { count, retryAfterSeconds } = await counters.hit("requests", `${tenantId}:${userId}`, 60);
    if (count <= perMinute) return next();
    next(new AppError("rate_limited", `More than ${perMinute} requests this minute for this API key (RATE_LIMIT_RPM); retry in ${retryAfterSeconds} s.`, {
      retry_after: retryAfterSeconds,
    }));
  };
}
