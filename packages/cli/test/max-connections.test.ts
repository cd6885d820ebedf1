// --max-connections: connections beyond it are closed on arrival, logged once per burst,
// and served again once others close.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerReady, startCli, waitFor } from './helpers.js';

const SITE = join(import.meta.dirname, 'fixtures', 'site');
const ready = await layerReady('@httpstack/simplehttpserver', 'SimpleHTTPRequestHandler');

/** Opens a connection and resolves once it is accepted and idle, or closed by the server. */
async function open(port: number): Promise<{ socket: Socket; closed: boolean }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  // A refused connection is closed by the server at once; an accepted one answers a request.
  socket.write('GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n');
  return new Promise((resolve) => {
    socket.once('data', () => resolve({ socket, closed: false }));
    socket.once('close', () => resolve({ socket, closed: true }));
  });
}

describe.skipIf(!ready)('httpstack --max-connections', () => {
  it('refuses the connections over the limit, logs it once per burst, serves again after', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '-p', 'HTTP/1.1', '--max-connections', '2', '0']);
    const held = [await open(cli.port), await open(cli.port)];
    expect(held.map((c) => c.closed)).toEqual([false, false]);
    const over = await Promise.all([open(cli.port), open(cli.port), open(cli.port)]);
    expect(over.map((c) => c.closed)).toEqual([true, true, true]);
    await waitFor(cli.child, cli.stderr, /refused 2 connections: 2 connections open/);
    expect(cli.stderr()).toMatch(
      /^\[.+\] refused 1 connection: 2 connections open: the connection limit \(maxConnections\) is reached$/m,
    );
    held[0]!.socket.end();
    await once(held[0]!.socket, 'close');
    const again = await open(cli.port);
    expect(again.closed).toBe(false);
    for (const c of [held[1]!, again]) c.socket.destroy();
  });
});
