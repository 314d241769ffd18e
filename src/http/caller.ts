import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage } from "node:http";
import type { Response } from "express";
import type { Logger } from "pino";
import type { Owner } from "../conversations/conversation-repository.js";
import type { Access } from "./access.js";

/** Who a request acts for, once authenticated: what `res.locals` holds after authentication. */
export interface Caller {
  owner: Owner;
  access?: Access;
  /** The request's log and id, when an in-process request continues one (see `honoCustomApp`). */
  log?: Logger;
  requestId?: string;
}

const CALLER = Symbol("threadloom.caller");
const current = new AsyncLocalStorage<Caller>();

/** The caller of the request `res` answers (set by authentication). */
export const callerOf = (res: Response): Caller => ({ owner: res.locals.owner, access: res.locals.access });

/**
 * Runs `fn` (a custom route's handling) as `caller`: a LangGraph `Client` made inside it without a
 * URL reaches this service in-process as that caller (see `loopbackFetch`). Only the custom app's
 * own code runs in it; the service's routes and runs never do (see `withoutCaller`).
 */
export function asCaller<T>(caller: Caller, fn: () => T): T {
  return current.run(caller, fn);
}

/** Runs `fn` outside any caller, so that nothing it starts (a run of another owner, say) inherits one. */
export function withoutCaller<T>(fn: () => T): T {
  return current.exit(fn);
}

export const currentCaller = (): Caller | undefined => current.getStore();

/**
 * Marks an in-process connection as made for `caller`. Only this process can mark one, on a socket
 * object it created: nothing a client sends can.
 */
export function markConnection(socket: object, caller: Caller): void {
  (socket as { [CALLER]?: Caller })[CALLER] = caller;
}

/** The caller an in-process request was made for, if it was made for one. */
export const markedCaller = (req: IncomingMessage): Caller | undefined => (req.socket as { [CALLER]?: Caller } | null)?.[CALLER];
