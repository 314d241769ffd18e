import http, { type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import type {} from "pino-http";
import { WebSocketServer } from "ws";
import type { ApiKeyIdentity } from "../config.js";
import { AppError } from "../errors.js";
import { chatInputs } from "../http/chat-routes.js";
import { identify } from "../http/custom-auth.js";
import type { CustomAuth } from "../manifest/load-auth.js";
import type { RunManager } from "../runs/run-manager.js";
import { CLOSE } from "./close-codes.js";
import { type SocketCaller, WsConnection } from "./ws-connection.js";

export interface WebSocketEndpointDeps {
  runs: RunManager;
  maxMessageChars: number;
  /** How often each socket is pinged; one that missed the last pong by then is dropped. */
  heartbeatMs: number;
  /** A client that lets more than this wait unsent is cut (SSE_MAX_BUFFER_BYTES, as for SSE). */
  maxBufferBytes: number;
  apiKeys: Map<string, ApiKeyIdentity>;
  /** The manifest's auth module, which authenticates instead of the API keys. */
  auth?: CustomAuth;
  logger: Logger;
}

/** How long shutdown waits for clients to answer the close before dropping them. */
const CLOSE_WAIT_MS = 2_000;

/**
 * `GET /api/ws`. Upgrade requests go through the Express app like any other request (`attach`), so
 * the host guard, the cross-site guard, authentication (API keys or the manifest's auth) and the rate
 * limit refuse them with the same problem+json; the route at the end (`accept`) upgrades. An upgrade
 * without credentials is taken before authentication (`acceptUnauthenticated`): its first frame must
 * be `auth`. Keys are never read from the URL, which ends up in logs.
 */
export class WebSocketEndpoint {
  private readonly server: WebSocketServer;
  private readonly upgrades = new WeakMap<IncomingMessage, { socket: Duplex; head: Buffer }>();
  private readonly connections = new Set<WsConnection>();
  private readonly parseChat;
  private pinger: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly deps: WebSocketEndpointDeps) {
    // A frame as large as a chat request's body may be; larger ones close the socket with 1009.
    this.server = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: Math.max(1_000_000, deps.maxMessageChars * 4 + 64_000) });
    this.parseChat = chatInputs(deps.maxMessageChars).parseBody;
  }

  /** Serves upgrades on `server`, through `app`. */
  attach(server: http.Server, app: (req: IncomingMessage, res: http.ServerResponse) => void): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrades.set(req, { socket, head });
      // A refusal is an HTTP answer on the socket, which then ends: it left HTTP's parser with the upgrade.
      const res = new http.ServerResponse(req);
      res.assignSocket(socket as Socket);
      res.shouldKeepAlive = false;
      res.on("finish", () => socket.end());
      app(req, res);
    });
    this.pinger ??= setInterval(() => {
      for (const connection of this.connections) connection.heartbeat();
    }, this.deps.heartbeatMs);
    this.pinger.unref();
  }

  /** Before authentication: an upgrade with no credentials at all is accepted, to authenticate by its first frame. */
  readonly acceptUnauthenticated: RequestHandler = (req, res, next) => {
    const required = this.deps.apiKeys.size > 0 || Boolean(this.deps.auth);
    const credentials = req.get("authorization") ?? req.get("x-api-key") ?? req.get("cookie");
    if (!required || credentials !== undefined || !this.upgrades.has(req)) return next();
    this.accept(req, res, null);
  };

  /** The route, after authentication: the caller is `res.locals`' owner. A plain GET is told to upgrade. */
  readonly route: RequestHandler = (req, res) => {
    this.accept(req, res, { owner: res.locals.owner, access: res.locals.access });
  };

  private accept(req: Request, res: Response, caller: SocketCaller | null): void {
    const upgrade = this.upgrades.get(req);
    if (!upgrade || req.get("upgrade")?.toLowerCase() !== "websocket") {
      throw new AppError("invalid_request", "GET /api/ws is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket).", {
        fields: [{ name: "upgrade", reason: "must be websocket" }],
      });
    }
    const params = Object.keys(req.query);
    if (params.length > 0) {
      const hint = params.some((p) => /key|token|auth/i.test(p)) ? " API keys go in the Authorization header or a first {\"type\":\"auth\"} frame, never in the URL." : "";
      throw new AppError("invalid_request", `Invalid query: /api/ws takes no query parameters.${hint}`, { fields: params.map((name) => ({ name, reason: "unknown field" })) });
    }
    if (this.closing) throw new AppError("unavailable", "The service is shutting down; connect again in a moment.");
    this.upgrades.delete(req);
    res.detachSocket(upgrade.socket as Socket);
    const logger = req.log ?? this.deps.logger;
    this.server.handleUpgrade(req, upgrade.socket, upgrade.head, (socket) => {
      const connection = new WsConnection(socket, caller, {
        runs: this.deps.runs, parseChat: this.parseChat, maxBufferBytes: this.deps.maxBufferBytes,
        authenticate: (apiKey) => this.authenticate(req, apiKey), logger, requestId: String(req.id),
      });
      this.connections.add(connection);
      logger.info({ authenticated: caller !== null }, "WebSocket opened");
      socket.on("close", (code) => {
        this.connections.delete(connection);
        logger.info({ code }, "WebSocket closed");
      });
      // A socket error (a reset, a frame ws refuses) closes it: logged, not thrown.
      socket.on("error", (err) => logger.info({ err: err.message }, "WebSocket error"));
    });
  }

  /** An `auth` frame's key: an API key's owner, or the manifest's auth module given it as a bearer token. */
  private async authenticate(req: Request, apiKey: string): Promise<SocketCaller> {
    if (this.deps.auth) {
      const headers = { ...req.headers, authorization: `Bearer ${apiKey}` };
      return identify(this.deps.auth, Object.create(req, { headers: { value: headers } }) as Request);
    }
    const identity = this.deps.apiKeys.get(apiKey);
    if (!identity) throw new AppError("unauthorized", "The API key is not valid.");
    return { owner: { tenantId: identity.tenantId, userId: identity.userId } };
  }

  /** Refuses new sockets from now on (shutdown has begun). */
  stopAccepting(): void {
    this.closing = true;
  }

  /** Closes every socket with 1013 (the runs are recorded by now) and waits, briefly, for the clients to answer. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.pinger);
    const open = [...this.connections];
    const gone = open.map((c) => new Promise<void>((resolve) => (c.socket.readyState === c.socket.CLOSED ? resolve() : c.socket.once("close", () => resolve()))));
    for (const connection of open) connection.shutdown();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(gone), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    for (const connection of open) connection.socket.terminate();
  }
}

export { CLOSE };
