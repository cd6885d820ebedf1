/** Peeks at the first byte of a fresh connection (TLS or not?). No Python counterpart. */
import type { Socket } from 'node:net';

/**
 * Resolves with the first byte of `socket`, leaving it (and all after it) unread on the
 * socket. Rejects when the connection ends first or after `timeout` ms.
 */
export function readFirstByte(socket: Socket, timeout: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(), timeout);
    const finish = (chunk?: Buffer) => {
      clearTimeout(timer);
      socket.off('readable', onReadable).off('end', onEnd).off('close', onEnd).off('error', onEnd);
      if (chunk === undefined) return reject(new Error('no first byte'));
      socket.unshift(chunk);
      resolve(chunk[0]!);
    };
    const onEnd = () => finish();
    const onReadable = () => {
      const chunk = socket.read() as Buffer | null;
      if (chunk !== null && chunk.length > 0) finish(chunk);
    };
    socket.on('readable', onReadable).on('end', onEnd).on('close', onEnd).on('error', onEnd);
  });
}
