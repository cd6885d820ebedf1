/**
 * The write timeout: a connection whose response bytes stop leaving (the client stopped
 * reading) is cut, instead of holding its handler, buffers and descriptor forever.
 */
import type { Socket } from 'node:net';

/**
 * Arms `socket`'s inactivity timer at `ms` and destroys the socket when it fires while
 * response bytes wait to be sent (`writableLength > 0`); `onTimeout` runs first (to log).
 * A silent connection with nothing to send is left to the read-side timeouts. Node refreshes
 * the timer on every read and every write the kernel takes, so a slow but steady reader is
 * not cut. Does nothing when `ms <= 0`, or when the socket already has an inactivity timer
 * (the socket core's `idleTimeout` or a handler's `timeout`), which bounds stalls itself.
 */
export function watchWrites(socket: Socket, ms: number, onTimeout: () => void): void {
  if (!(ms > 0) || socket.timeout) return;
  socket.setTimeout(ms);
  socket.on('timeout', () => {
    if (socket.writableLength === 0 || socket.destroyed) return;
    onTimeout();
    socket.destroy(Object.assign(new Error('response write timed out'), { code: 'ETIMEDOUT' }));
  });
}
