// TCPServer with `proxyProtocol` over real sockets: the header's address becomes
// `clientAddress`, the bytes after it reach the handler, and a bad, missing or late header
// closes the connection before any handler runs.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { StreamRequestHandler, TCPServer } from '../src/index.js';
import { V2_SIGNATURE } from '../src/internal/proxy-protocol.js';
import { dial, exchange, portOf, receiveAll, serverTracker } from './helpers.js';

const track = serverTracker();
const fixtures = join(import.meta.dirname, 'fixtures');

/** Answers `<clientAddress as JSON> <first line>`; counts the handlers made. */
class AddressEcho extends StreamRequestHandler {
  static made = 0;
  override async handle(): Promise<void> {
    AddressEcho.made++;
    const line = await this.rfile.readline();
    await this.wfile.write(`${JSON.stringify(this.clientAddress)} ${line.toString('latin1')}`, 'latin1');
  }
}

async function serve(options: ConstructorParameters<typeof TCPServer>[2] = {}): Promise<TCPServer> {
  const server = track(new TCPServer(['127.0.0.1', 0], AddressEcho, { proxyProtocol: true, ...options }));
  await server.serverBind();
  void server.serveForever(10);
  return server;
}

function v2Inet(command = 0x21): Buffer {
  const body = Buffer.from([203, 0, 113, 9, 127, 0, 0, 1, 0xd4, 0x31, 0x1f, 0x90]); // 203.0.113.9:54321
  return Buffer.concat([V2_SIGNATURE, Buffer.from([command, 0x11, 0, body.length]), body]);
}

describe('TCPServer.proxyProtocol (PROXY protocol v1/v2 on)', () => {
  it.for([
    {
      name: 'v1 in the same packet as the data',
      parts: ['PROXY TCP4 198.51.100.4 127.0.0.1 40000 80\r\nhello\n'],
      want: '["198.51.100.4",40000] hello\n',
    },
    {
      name: 'v1 split across writes',
      parts: ['PROX', 'Y TCP6 2001:db8::5 ::1 1 2', '\r', '\nhel', 'lo\n'],
      want: '["2001:db8::5",1] hello\n',
    },
    { name: 'v1 UNKNOWN keeps the socket address', parts: ['PROXY UNKNOWN\r\nhello\n'], want: '["127.0.0.1",' },
    {
      name: 'v2 TCP over IPv4',
      parts: [Buffer.concat([v2Inet(), Buffer.from('hello\n')])],
      want: '["203.0.113.9",54321] hello\n',
    },
    { name: 'v2 LOCAL keeps the socket address', parts: [v2Inet(0x20), 'hello\n'], want: '["127.0.0.1",' },
  ])('$name', async ({ parts, want }) => {
    const server = await serve();
    const socket = await dial(portOf(server));
    const answer = receiveAll(socket);
    for (const part of parts) {
      socket.write(part);
      await new Promise((resolve) => setImmediate(resolve)); // separate segments, most of the time
    }
    expect(await answer).toContain(want);
    socket.destroy();
  });

  it.for([
    { name: 'no header (plain request)', parts: ['GET / HTTP/1.0\r\n\r\n'] },
    { name: 'malformed v1', parts: ['PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\nhello\n'] },
    { name: 'v1 with a bare LF', parts: ['PROXY UNKNOWN\nhello\n'] },
    { name: 'v2 with a bad version', parts: [Buffer.concat([V2_SIGNATURE, Buffer.from([0x11, 0x11, 0, 0])])] },
    { name: 'header cut short by the client', parts: ['PROXY TCP4 1.2.3.4'] },
  ])('$name: the connection is closed, no handler runs', async ({ parts }) => {
    const server = await serve();
    const before = AddressEcho.made;
    expect(await exchange(portOf(server), ...parts)).toBe('');
    expect(AddressEcho.made).toBe(before);
  });

  it('a header not complete within proxyHeaderTimeout: the connection is closed', async () => {
    const server = await serve({ proxyHeaderTimeout: 200 });
    const socket = await dial(portOf(server));
    const answer = receiveAll(socket);
    const started = Date.now();
    socket.write('PROXY TCP4 1.2.3.4 ');
    expect(await answer).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('shutdown() closes a connection still waiting for its header', async () => {
    const server = await serve();
    const socket = await dial(portOf(server));
    const closed = once(socket, 'close');
    await server.shutdown();
    await closed;
    expect(socket.destroyed).toBe(true);
  });

  it('with TLS: the header before the handshake, sent in the same segment as the ClientHello', async () => {
    const cert = readFileSync(join(fixtures, 'test-cert.pem'));
    const server = await serve({ tls: { cert, key: readFileSync(join(fixtures, 'test-key.pem')) } });
    const raw = await dial(portOf(server));
    raw.cork();
    raw.write('PROXY TCP4 192.0.2.77 127.0.0.1 3333 443\r\n');
    const client = tls.connect({ socket: raw, ca: cert, checkServerIdentity: () => undefined });
    setImmediate(() => raw.uncork());
    const answer = receiveAll(client);
    await once(client, 'secureConnect');
    client.end('hello\n');
    expect(await answer).toBe('["192.0.2.77",3333] hello\n');
  });
});

describe('TCPServer with proxyProtocol off (the default)', () => {
  it('a PROXY header is plain bytes for the handler, never trusted', async () => {
    const server = await serve({ proxyProtocol: false });
    const answer = await exchange(portOf(server), 'PROXY TCP4 6.6.6.6 127.0.0.1 1 2\r\n');
    expect(answer).toMatch(/^\["127\.0\.0\.1",\d+\] PROXY TCP4 6\.6\.6\.6 127\.0\.0\.1 1 2\r\n$/);
  });

  it('is off unless asked for', () => {
    expect(new TCPServer(['127.0.0.1', 0], AddressEcho).proxyProtocol).toBe(false);
  });
});
