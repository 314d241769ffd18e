import { Duplex } from "node:stream";

/**
 * One end of an in-memory connection: what is written to it is read from the other end. A write
 * completes once the other end has taken it, so a reader that stops reading holds the writer back
 * (an SSE stream nobody reads fills up as it would over TCP). Destroying one end closes both, as
 * a cut connection does.
 */
class SocketEnd extends Duplex {
  peer!: SocketEnd;
  /** The write waiting for the peer to read, completed from the peer's `_read`. */
  private blocked?: () => void;

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    // The other end is gone: the bytes are lost, as on a cut connection (this end is being destroyed too).
    if (this.peer.destroyed) return done();
    if (this.peer.push(chunk)) done();
    else this.peer.blocked = done;
  }

  override _read(): void {
    const done = this.blocked;
    this.blocked = undefined;
    done?.();
  }

  override _final(done: (err?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.push(null);
    done();
  }

  // What HTTP code calls on a socket (Nagle, keep-alive, idle timeouts): nothing to tune in memory.
  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  setTimeout(_ms: number, onTimeout?: () => void): this {
    if (onTimeout) this.once("timeout", onTimeout);
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    // Writes waiting on a reader that is gone are let go, on both sides (their bytes are lost).
    for (const end of [this, this.peer]) {
      const blocked = end.blocked;
      end.blocked = undefined;
      blocked?.();
    }
    if (!this.peer.destroyed) this.peer.destroy();
    done(err);
  }
}

/** Two connected ends of an in-memory connection (Node 20's `duplexPair` is only in its later releases). */
export function socketPair(): [Duplex, Duplex] {
  const a = new SocketEnd();
  const b = new SocketEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
