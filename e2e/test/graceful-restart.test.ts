// Graceful rolling restart of one httpstack instance, seen from raw sockets: on SIGTERM it
// stops accepting, answers the request in flight with `Connection: close`, closes the idle
// keep-alive connection, and exits 0 within its grace time (fixtures/backend.mjs: 5 s).
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { startBackend, type Backend } from './lib/backend.js';

const running: Backend[] = [];
afterEach(async () => {
  for (const backend of running.splice(0)) await backend.stop();
});

/** A raw client: what it receives, and a way to wait until `pattern` is in it. */
async function client(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (data: Buffer) => {
    text += data.toString('latin1');
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = once(socket, 'close');
  return {
    socket,
    closed,
    text: () => text,
    async waitFor(pattern: RegExp): Promise<void> {
      while (!pattern.test(text)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

it('SIGTERM: in-flight answered with Connection: close, idle keep-alive closed, exit 0 in bounded time', async () => {
  const backend = await startBackend('r');
  running.push(backend);
  const busy = await client(backend.plainPort);
  busy.socket.write('GET /slow?ms=700 HTTP/1.1\r\nHost: r\r\n\r\n');
  // The idle connection's request is read after the slow one's (same process, later bytes):
  // once its answer is in, the slow request is surely in flight.
  const idle = await client(backend.plainPort);
  idle.socket.write('GET /quick HTTP/1.1\r\nHost: r\r\n\r\n');
  await idle.waitFor(/\r\n\r\nr .*\n$/);
  expect(idle.text()).not.toMatch(/Connection: close/i);

  const started = Date.now();
  process.kill(backend.pid, 'SIGTERM');
  await idle.closed; // the idle keep-alive connection is closed at once, not after 5 s
  expect(Date.now() - started).toBeLessThan(2000);
  await busy.closed;
  expect(busy.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(busy.text()).toMatch(/\r\nConnection: close\r\n/i);
  expect(busy.text()).toMatch(/\r\n\r\nr \["127\.0\.0\.1",\d+\] -\n$/);
  expect(await backend.exited).toBe(0);
  expect(Date.now() - started).toBeLessThan(5000);
});

it('SIGTERM: a request that outlives the grace time is cut, and the process still exits 0', async () => {
  const backend = await startBackend('s');
  running.push(backend);
  const busy = await client(backend.plainPort);
  busy.socket.write('GET /slow?ms=30000 HTTP/1.1\r\nHost: s\r\n\r\n');
  const probe = await client(backend.plainPort); // answered after the slow request was read
  probe.socket.write('GET / HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n');
  await probe.closed;
  const started = Date.now();
  process.kill(backend.pid, 'SIGTERM');
  await busy.closed;
  expect(await backend.exited).toBe(0);
  const took = Date.now() - started;
  expect(took).toBeGreaterThanOrEqual(4500); // shutdownTimeout 5 s
  expect(took).toBeLessThan(8000);
});
