/**
 * The close codes `/api/ws` ends a socket with (README, "WebSocket: /api/ws"). A peer that stops
 * answering pings gets no close frame: its connection is dropped (the client sees 1006).
 */
export const CLOSE = {
  /** The client closed; the server answers in kind. */
  normal: 1000,
  /** Not authenticated: no valid `auth` frame first (or in time) on an upgrade that carried no credentials. */
  policy: 1008,
  /** A frame larger than the service takes (ws enforces it as `maxPayload`). */
  tooBig: 1009,
  // 1011 (a failure of ours) is not sent: a frame that fails on our side is answered with a 500 error frame.
  /** The service is shutting down: reconnect (to it or another replica) and `join` the threads. */
  tryAgain: 1013,
  /** The client read too slowly: more than SSE_MAX_BUFFER_BYTES waited unsent. Reconnect and `join`. */
  slowConsumer: 4008,
} as const;
