import type { RequestHandler } from "express";
import type { ApiKeyIdentity } from "../config.js";
import type { Owner } from "../conversations/conversation-repository.js";
import { AppError } from "../errors.js";

/** Without API keys everything belongs to one local owner (and the service listens on loopback). */
export const LOCAL_OWNER: Owner = { tenantId: "default", userId: "default" };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      owner: Owner;
    }
  }
}

/** `Authorization: Bearer <key>` or `x-api-key: <key>`; the key decides the tenant and user. */
export function authenticate(keys: Map<string, ApiKeyIdentity>): RequestHandler {
  return (req, res, next) => {
    if (keys.size === 0) {
      res.locals.owner = LOCAL_OWNER;
      return next();
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(req.get("authorization") ?? "")?.[1]?.trim();
    const key = bearer ?? req.get("x-api-key")?.trim();
    const identity = key ? keys.get(key) : undefined;
    if (!identity) {
      res.set("WWW-Authenticate", 'Bearer realm="threadloom"');
      return next(new AppError("unauthorized", key ? "The API key is not valid." : "An API key is required: send Authorization: Bearer <key> or x-api-key."));
    }
    res.locals.owner = { tenantId: identity.tenantId, userId: identity.userId };
    next();
  };
}
