/** Raw `node:net` clients for tests: connect, send bytes, take everything until the close. */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** A TCP port on 127.0.0.1, a Unix socket path, or a port on another loopback host. */
export type Target = number | string | { port: number; host: string };

/** Connects a raw client; resolves once connected. */
export async function dial(target: Target): Promise<Socket> {
  const socket =
    typeof target === 'string'
      ? connect(target)
      : typeof target === 'number'
        ? connect(target, '127.0.0.1')
        : connect(target.port, target.host);
  await once(socket, 'connect');
  return socket;
}

/** Everything `socket` receives until the peer closes, as latin1 text; rejects on error. */
export function receiveAll(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => (received += data));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

/** Connects, sends `parts` (strings as latin1), half-closes, and resolves with all received. */
export async function exchange(target: Target, ...parts: Array<string | Buffer>): Promise<string> {
  const socket = await dial(target);
  const received = receiveAll(socket);
  for (const part of parts) socket.write(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
  socket.end();
  return received;
}

/** Sends `parts` without half-closing; resolves with all received once the server closes. */
export async function sendAndWaitClose(target: Target, ...parts: Array<string | Buffer>): Promise<string> {
  const socket = await dial(target);
  const received = receiveAll(socket);
  for (const part of parts) socket.write(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
  return received;
}

/**
 * Resolves with the error of a connection to `port` once one is refused: tries every 20 ms
 * (a closing server has no event a client can wait on), throws after `ms`.
 */
export async function refused(port: number, ms = 10_000): Promise<NodeJS.ErrnoException> {
  const deadline = Date.now() + ms;
  for (;;) {
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const probe = connect(port, '127.0.0.1');
      probe.once('connect', () => {
        probe.destroy();
        resolve(undefined);
      });
      probe.once('error', resolve);
    });
    if (error !== undefined) return error;
    if (Date.now() > deadline) throw new Error(`port ${port} still accepts connections after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
