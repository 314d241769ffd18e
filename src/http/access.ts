import type { Response } from "express";
import { AppError } from "../errors.js";
import type { CustomAuth } from "../manifest/load-auth.js";
import { filterContainment } from "./auth-filters.js";

/** Who the manifest's auth says the caller is, as LangGraph's server normalises it. */
export interface AuthContext {
  user: { identity: string; permissions: string[]; display_name: string; is_authenticated: boolean; [key: string]: unknown };
  /** The user's permissions, which handlers get as `permissions`. */
  scopes: string[];
}

/** Resource and action of an auth handler: `threads:read`, `assistants:create`, `store:put`, … */
export type AuthEvent =
  | `${"threads" | "assistants"}:${"create" | "read" | "update" | "delete" | "search" | "create_run"}`
  | `store:${"put" | "get" | "search" | "delete" | "list_namespaces"}`
  | `providers:${"create" | "read" | "update" | "delete" | "search"}`;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Set when the manifest names an auth module: the caller's identity and its handlers. */
      access?: Access;
    }
  }
}

/** A request's authorisation under the manifest's auth: its handlers, called with the caller's identity. */
export class Access {
  constructor(private readonly auth: CustomAuth, readonly context: AuthContext) {}

  /**
   * Calls the handler for `event` with `value`, which it may change (a create's `metadata` is then
   * stored as it left it). Returns the metadata what the request touches must contain (see
   * `metadataContains`), or undefined for anything. A handler that returns false is a 403; one that
   * throws an HTTPException answers with its status, message and headers.
   */
  async authorize(event: AuthEvent, value: object): Promise<Record<string, unknown> | undefined> {
    const [resource, action] = event.split(":") as [string, string];
    const handler = this.auth.handlerFor(resource, action);
    if (!handler) return undefined;
    let result: unknown;
    try {
      result = await handler({ event, resource, action, value, permissions: this.context.scopes, user: this.context.user });
    } catch (err) {
      throw authException(err) ?? err;
    }
    if (result === undefined || result === null || result === true) return undefined;
    if (result === false) throw new AppError("forbidden", `The auth handler for ${event} refused this request.`);
    if (typeof result !== "object" || Array.isArray(result)) {
      throw new Error(`the auth handler for ${event} returned ${Array.isArray(result) ? "an array" : typeof result}; expected a filter object, true, false or nothing`);
    }
    return filterContainment(result as Record<string, unknown>);
  }
}

/** Where a caller's access is kept: a response's `locals`, or a WebSocket connection's. */
export type WithAccess = { locals: Pick<Response["locals"], "access"> };

/** `authorize` for the request `res` answers: without custom auth there is nothing to check (undefined). */
export function authorize(res: WithAccess, event: AuthEvent, value: object): Promise<Record<string, unknown> | undefined> {
  return res.locals.access?.authorize(event, value) ?? Promise.resolve(undefined);
}

/**
 * What a run of the request gets in `configurable` under custom auth, as LangGraph's server sets it
 * (over anything the client sent under these names): the user, its identity and its permissions.
 */
export function authConfigurable(res: WithAccess): Record<string, unknown> {
  const context = res.locals.access?.context;
  if (!context) return {};
  return { langgraph_auth_user: context.user, langgraph_auth_user_id: context.user.identity, langgraph_auth_permissions: context.scopes };
}

// The statuses an HTTPException keeps; another 4xx is a refusal (403), a 5xx the handler's failure (500).
const CODES = { 400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict", 422: "invalid_request", 429: "rate_limited", 503: "unavailable" } as const;

/**
 * An `HTTPException` of `@langchain/langgraph-sdk/auth` (duck-typed: the module's copy of the SDK
 * may not be ours) as our error, its message the problem's detail and its headers the response's.
 */
export function authException(err: unknown): AppError | undefined {
  if (typeof err !== "object" || err === null || !("status" in err) || !("headers" in err)) return undefined;
  const { status, headers, message } = err as { status: unknown; headers: unknown; message?: unknown };
  if (typeof status !== "number" || status < 400 || status >= 500) return undefined;
  const code = CODES[status as keyof typeof CODES] ?? "forbidden";
  const shown = headersOf(headers);
  return new AppError(code, typeof message === "string" && message ? message : "Not authorized.", Object.keys(shown).length ? { headers: shown } : {});
}

/** HeadersInit (a record, pairs or Headers) as a record; anything else as none. */
function headersOf(init: unknown): Record<string, string> {
  try {
    return Object.fromEntries(new Headers(init as HeadersInit));
  } catch {
    return {};
  }
}

/** What a handler set in `metadata` (keys added or changed): a thread made alongside gets them too. */
export function stamped(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(after).filter(([key, value]) => !Object.hasOwn(before, key) || JSON.stringify(before[key]) !== JSON.stringify(value)));
}
