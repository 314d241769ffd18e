import type { Request as ExpressRequest, RequestHandler } from "express";
import type { Owner } from "../conversations/conversation-repository.js";
import { AppError } from "../errors.js";
import type { CustomAuth } from "../manifest/load-auth.js";
import { Access, type AuthContext, authException } from "./access.js";

/** The one tenant of identities that name none. */
export const CUSTOM_AUTH_TENANT = "default";

/**
 * Authenticates every request with the manifest's auth module (`authenticate(request)`), as
 * LangGraph's server does: its identity becomes the owner (`ownerOf`), and its handlers authorise
 * each operation later (`res.locals.access`). An HTTPException it throws is the answer (401 with its
 * message and headers, say). `GET /info` is open, as upstream. The request it gets is the method,
 * URL and headers; the body is not read yet.
 */
export function customAuthenticate(auth: CustomAuth): RequestHandler {
  return async (req, res, next) => {
    if (req.method === "GET" && req.path === "/info") return next();
    const { owner, access } = await identify(auth, req);
    res.locals.owner = owner;
    res.locals.access = access;
    next();
  };
}

/** Who the auth module says the request's caller is; throws its refusal (an AppError) as it answers. */
export async function identify(auth: CustomAuth, req: ExpressRequest): Promise<{ owner: Owner; access: Access }> {
  let identity: unknown;
  try {
    identity = await auth.authenticate(fetchRequest(req));
  } catch (err) {
    throw authException(err) ?? err;
  }
  const context = authContext(identity, auth.spec);
  return { owner: ownerOf(context), access: new Access(auth, context) };
}

/**
 * The owner (tenant and user) of an identity: the user is its `identity`, so each identity has its
 * own threads, as each API key's user has; the tenant, which shares stored assistants, is its
 * `tenant_id` or `org_id` when it names one, else one tenant for every identity.
 */
export function ownerOf(context: AuthContext): Owner {
  const named = [context.user.tenant_id, context.user.org_id].find((v): v is string => typeof v === "string" && v !== "");
  return { tenantId: named ?? CUSTOM_AUTH_TENANT, userId: context.user.identity };
}

/** What `authenticate` returned, normalised as upstream: a string is an identity; an object needs `identity`. */
function authContext(identity: unknown, spec: string): AuthContext {
  if (typeof identity === "string" && identity !== "") {
    return { scopes: [], user: { identity, permissions: [], display_name: identity, is_authenticated: true } };
  }
  const user = identity as Record<string, unknown> | null;
  if (typeof user === "object" && user !== null && typeof user.identity === "string" && user.identity !== "") {
    const scopes = Array.isArray(user.permissions) ? user.permissions.filter((p): p is string => typeof p === "string") : [];
    return {
      scopes,
      user: {
        ...user, identity: user.identity, permissions: scopes,
        is_authenticated: typeof user.is_authenticated === "boolean" ? user.is_authenticated : true,
        display_name: typeof user.display_name === "string" ? user.display_name : user.identity,
      },
    };
  }
  // The module's mistake, not the caller's: logged, and answered as our own error.
  throw new Error(`${spec}: authenticate returned ${describe(identity)}; it must return a non-empty string or an object with a non-empty string "identity"`);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") return "an empty string";
  return typeof value === "object" ? "an object without a string identity" : typeof value;
}

/** The Fetch API Request an auth module reads: method, URL and headers (the body is not read yet). */
function fetchRequest(req: ExpressRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const v of [value ?? []].flat()) headers.append(name, v);
  }
  let url: URL;
  try {
    url = new URL(req.originalUrl, `${req.protocol}://${req.get("host") ?? "localhost"}`);
  } catch {
    url = new URL(req.originalUrl, "http://localhost");
  }
  try {
    return new Request(url, { method: req.method, headers });
  } catch {
    // TRACE, CONNECT, TRACK: the Fetch API refuses them, and no route serves them.
    throw new AppError("invalid_request", `The method ${req.method} is not served here.`);
  }
}

