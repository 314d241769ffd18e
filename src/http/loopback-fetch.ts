import type http from "node:http";
import { currentCaller } from "./caller.js";
import { inProcessFetch, inProcessServer } from "./in-process-fetch.js";

// Where LangGraph's SDK looks for the server it runs inside: a `new Client()` without apiUrl uses it.
const LOOPBACK_FETCH = Symbol.for("langgraph_api:fetch");

/**
 * Lets a LangGraph `Client` made without a URL (in a custom route, say, as LangGraph's platform
 * allows) call this service in-process, as LangGraph's server does. Inside a custom route's
 * handling it acts as that request's caller; anywhere else it is authenticated as any client is
 * (by the headers the Client sends). Returns the undoing, for when the service closes.
 */
export function bindLoopbackFetch(app: http.RequestListener): () => void {
  const server = inProcessServer(app);
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const caller = currentCaller();
    return inProcessFetch(server, new Request(input, init), caller && { owner: caller.owner, access: caller.access });
  };
  const global = globalThis as Record<symbol, unknown>;
  const before = global[LOOPBACK_FETCH];
  global[LOOPBACK_FETCH] = fetch;
  return () => {
    if (global[LOOPBACK_FETCH] === fetch) global[LOOPBACK_FETCH] = before;
  };
}
