/**
 * The write timeout: a connection whose response bytes stop leaving (the client stopped
 * reading) is cut, instead of holding its handler, buffers and descriptor forever.
 */
import type { Socket } from 'node:net';
import { SocketWriter } from '@httpstack/socketserver';

/** What `WatchedWriter` needs from its handler. */
export interface WriteTimeoutOwner {
  readonly writeTimeout: number;
  logError(format: string, ...args: unknown[]): void;
}

/**
 * A `SocketWriter` that arms the write timeout the first time a write has to wait for
 * the connection to drain. Until then the socket has no inactivity timer: Node refreshes
 * such a timer on every read and every write, a cost paid per request by every
 * keep-alive connection although only a connection that backs up needs it.
 */
export class WatchedWriter extends SocketWriter {
  readonly #owner: WriteTimeoutOwner;
  #watched = false;

  constructor(socket: Socket, owner: WriteTimeoutOwner) {
    super(socket);
    this.#owner = owner;
  }

  override drain(): Promise<void> {
    const waiting = super.drain();
    if (this.socket.writableNeedDrain) this.watch();
    return waiting;
  }

  /** Arms the write timeout (once; see `watchWrites`). */
  watch(): void {
    if (this.#watched) return;
    this.#watched = true;
    const owner = this.#owner;
    const ms = owner.writeTimeout;
    watchWrites(this.socket, ms, () => owner.logError('Response write timed out after %d ms', ms));
  }
}

/**
 * Arms `socket`'s inactivity timer at `ms` and destroys the socket when it fires while
 * response bytes wait to be sent (`writableLength > 0`); `onTimeout` runs first (to log).
 * A silent connection with nothing to send is left to the read-side timeouts. Node refreshes
 * the timer on every read and every write the kernel takes, so a slow but steady reader is
 * not cut. Returns false (and does nothing) when `ms <= 0`, or when the socket already has
 * an inactivity timer (the socket core's `idleTimeout` or a handler's `timeout`), which
 * bounds stalls itself. Call it once per socket.
 */
export function watchWrites(socket: Socket, ms: number, onTimeout: () => void): boolean {
  if (!(ms > 0) || socket.timeout) return false;
  socket.setTimeout(ms);
  socket.on('timeout', () => {
    if (socket.writableLength === 0 || socket.destroyed) return;
    onTimeout();
    socket.destroy(Object.assign(new Error('response write timed out'), { code: 'ETIMEDOUT' }));
  });
  return true;
}
