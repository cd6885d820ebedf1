/**
 * Raw `node:net` clients for the fault, soak and slow-client runs: one-shot requests,
 * keep-alive request loops, connections held open, a paused reader.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** Connects to 127.0.0.1:`port`. */
export async function dial(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** The status and body size of a one-shot `GET path` (`Connection: close`); status 0 when the connection failed. */
export async function get(port: number, path: string, timeoutMs = 10_000): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const pieces: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('error', () => {});
    socket.on('data', (piece: Buffer) => pieces.push(piece));
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(pieces);
      const head = all.indexOf('\r\n\r\n');
      const status = all.subarray(0, 5).toString() === 'HTTP/' ? Number(all.subarray(9, 12).toString()) : 0;
      resolve({ status, bytes: head === -1 ? 0 : all.length - head - 4 });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n`);
  });
}

/** Retries `get` until it answers `status` or `withinMs` pass; resolves to the last status. */
export async function getEventually(port: number, path: string, withinMs: number, status = 200): Promise<number> {
  const until = Date.now() + withinMs;
  for (;;) {
    const answer = await get(port, path, 2000);
    if (answer.status === status || Date.now() > until) return answer.status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Sends `count` requests for `path` one after another on one keep-alive connection (each
 * answered with a fixed-size `responseSize`-byte response) and resolves with the latencies.
 */
export async function keepAliveLoop(
  port: number,
  path: string,
  count: number,
  responseSize: number,
): Promise<number[]> {
  const socket = await dial(port);
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: fuzz\r\n\r\n`);
  const latencies: number[] = [];
  let received = 0;
  let sent = 0;
  let started = 0;
  return new Promise((resolve, reject) => {
    const next = () => {
      if (sent === count) {
        socket.end();
        return resolve(latencies);
      }
      sent++;
      started = performance.now();
      socket.write(request);
    };
    socket.on('data', (piece: Buffer) => {
      received += piece.length;
      while (received >= responseSize) {
        received -= responseSize;
        latencies.push(performance.now() - started);
        next();
      }
    });
    socket.on(
      'close',
      () =>
        (sent < count || received !== 0) &&
        reject(new Error(`connection closed after ${latencies.length} of ${count} responses`)),
    );
    next();
  });
}

/** Size of one whole response to `GET path` (head and body), measured once. */
export async function responseSize(port: number, path: string): Promise<number> {
  const socket = await dial(port);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: fuzz\r\n\r\n`);
  const [piece] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return piece.length;
}

/** Percentile `p` (0–100) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
