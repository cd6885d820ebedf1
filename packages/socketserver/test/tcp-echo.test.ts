// Echo servers over TCP, TLS, IPv6 and Unix sockets — test_socketserver.SocketServerTest's
// test_TCPServer / test_ThreadingTCPServer / test_UnixStreamServer, re-expressed.
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamRequestHandler, TCPServer, UnixStreamServer } from '../src/index.js';
import { dial, exchange, nextLine, portOf, receiveAll, serverTracker, signal, UpperEcho } from './helpers.js';

const track = serverTracker();

async function serving<T extends TCPServer>(server: T): Promise<T> {
  track(server);
  await server.serverBind();
  void server.serveForever(10);
  return server;
}

describe('TCPServer echo (test_TCPServer, test_ThreadingTCPServer)', () => {
  it('binds port 0 and reports the real port in serverAddress', async () => {
    const server = await serving(new TCPServer(['127.0.0.1', 0], UpperEcho));
    const bound = server.socket!.address() as { address: string; port: number };
    expect(server.serverAddress).toEqual([bound.address, bound.port]);
    expect(bound).toMatchObject({ address: '127.0.0.1' });
    expect(bound.port).toBeGreaterThan(0);
  });

  it('echoes lines through readline/write for three clients in turn, and several at once', async () => {
    const server = await serving(new TCPServer(['127.0.0.1', 0], UpperEcho));
    for (let i = 0; i < 3; i++) {
      expect(await exchange(portOf(server), 'hello\nwor', 'ld\n', 'no newline')).toBe('HELLO\nWORLD\nNO NEWLINE');
    }
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => exchange(portOf(server), `c${i}\n`)));
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => `C${i}\n`));
  });

  it('answers on a half-open connection: the client ends first and still gets the answer', async () => {
    class Collect extends StreamRequestHandler {
      override async handle(): Promise<void> {
        const all = await this.rfile.read();
        await this.wfile.write(`got ${all.length} bytes after EOF`);
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], Collect));
    expect(await exchange(portOf(server), 'abc', 'def')).toBe('got 6 bytes after EOF');
  });

  it('read(n) takes exact sizes, as a length-prefixed protocol needs', async () => {
    class Framed extends StreamRequestHandler {
      override async handle(): Promise<void> {
        for (;;) {
          const head = await this.rfile.read(2);
          if (head.length < 2) return;
          const body = await this.rfile.read(head.readUInt16BE(0));
          await this.wfile.write(`[${body.toString()}]`);
        }
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], Framed));
    const frame = (text: string) => Buffer.concat([Buffer.from([0, text.length]), Buffer.from(text)]);
    const both = Buffer.concat([frame('hello'), frame('world')]);
    expect(await exchange(portOf(server), both.subarray(0, 3), both.subarray(3, 9), both.subarray(9))).toBe(
      '[hello][world]',
    );
  });

  it('async iteration of rfile yields every byte until the client ends', async () => {
    class Count extends StreamRequestHandler {
      override async handle(): Promise<void> {
        let total = 0;
        for await (const chunk of this.rfile) total += chunk.length;
        await this.wfile.write(String(total));
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], Count));
    const big = Buffer.alloc(1024 * 1024, 'x');
    expect(await exchange(portOf(server), big, big, 'tail')).toBe(String(2 * big.length + 4));
  });

  it('readline(limit) returns at most limit bytes; the rest of the line follows', async () => {
    class Limited extends StreamRequestHandler {
      override async handle(): Promise<void> {
        const parts: string[] = [];
        for (let line; (line = await this.rfile.readline(4)).length > 0; ) parts.push(JSON.stringify(line.toString()));
        await this.wfile.write(parts.join(','));
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], Limited));
    expect(await exchange(portOf(server), 'abcdefg\nhi\n')).toBe('"abcd","efg\\n","hi\\n"');
  });

  it('wfile.write sends at once, without flush (SocketWriterTest.test_write)', async () => {
    class Greet extends StreamRequestHandler {
      override async handle(): Promise<void> {
        await this.wfile.write('write data\n');
        const reply = await this.rfile.readline();
        await this.wfile.write(Buffer.alloc(4 * 1024 * 1024, reply[0]));
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], Greet));
    const client = await dial(portOf(server));
    expect(await nextLine(client)).toBe('write data\n');
    client.write('client response\n');
    client.end();
    const rest = await receiveAll(client);
    expect(rest.length).toBe(4 * 1024 * 1024);
    expect(rest[0]).toBe('c');
  });

  it('wfile is a SocketWriter over the request socket (SocketWriterTest.test_basics)', async () => {
    const seen: boolean[] = [];
    class Probe extends StreamRequestHandler {
      override async handle(): Promise<void> {
        seen.push(this.wfile.socket === this.request, this.wfile.closed);
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], Probe));
    await exchange(portOf(server));
    expect(seen).toEqual([true, false]);
  });

  it('a write after the client reset rejects with BrokenPipeError', async () => {
    const result = signal<unknown>();
    class Late extends StreamRequestHandler {
      override async handle(): Promise<void> {
        await expect(this.rfile.read()).rejects.toMatchObject({ code: 'ECONNRESET' });
        await this.wfile.write('too late').then(result.resolve, result.resolve);
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], Late));
    const client = await dial(portOf(server));
    client.resetAndDestroy();
    expect(await result.promise).toMatchObject({ name: 'BrokenPipeError', code: 'EPIPE' });
  });
});

describe('TCPServer over TLS (the tls option)', () => {
  const fixtures = join(import.meta.dirname, 'fixtures');
  const cert = readFileSync(join(fixtures, 'test-cert.pem'));
  const key = readFileSync(join(fixtures, 'test-key.pem'));

  it('serves an echo over TLS, verified against the test certificate', async () => {
    const server = await serving(new TCPServer(['127.0.0.1', 0], UpperEcho, { tls: { cert, key } }));
    const client = tls.connect({ port: portOf(server), host: '127.0.0.1', ca: cert });
    await once(client, 'secureConnect');
    const received = receiveAll(client as never);
    client.end('secret\n');
    expect(await received).toBe('SECRET\n');
    expect(client.authorized).toBe(true);
  });

  it('a client that never starts the handshake is dropped after idleTimeout', async () => {
    const server = await serving(new TCPServer(['127.0.0.1', 0], UpperEcho, { tls: { cert, key }, idleTimeout: 100 }));
    const client = await dial(portOf(server));
    const begin = Date.now();
    expect(await receiveAll(client)).toBe('');
    expect(Date.now() - begin).toBeGreaterThanOrEqual(95);
  });

  it('a plaintext client is dropped and the server keeps serving TLS', async () => {
    const server = await serving(new TCPServer(['127.0.0.1', 0], UpperEcho, { tls: { cert, key } }));
    await exchange(portOf(server), 'GET / HTTP/1.0\r\n\r\n');
    const client = tls.connect({ port: portOf(server), host: '127.0.0.1', ca: cert });
    await once(client, 'secureConnect');
    const received = receiveAll(client as never);
    client.end('again\n');
    expect(await received).toBe('AGAIN\n');
  });
});

/** Whether this machine can listen on ::1. */
async function hasIPv6(): Promise<boolean> {
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '::1', resolve));
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}
const ipv6 = await hasIPv6();
if (!ipv6) console.warn('skipping IPv6 tests: cannot listen on ::1 here');

describe('TCPServer on IPv6 and dual-stack', () => {
  it.skipIf(!ipv6)('serves on ::1', async () => {
    const server = await serving(new TCPServer(['::1', 0], UpperEcho));
    expect(server.serverAddress[0]).toBe('::1');
    expect(await exchange({ port: portOf(server), host: '::1' }, 'six\n')).toBe('SIX\n');
  });

  it.skipIf(!ipv6)("binding '::' is dual-stack: reached through 127.0.0.1 and ::1", async () => {
    const clients: unknown[] = [];
    class Who extends StreamRequestHandler {
      override async handle(): Promise<void> {
        clients.push(this.clientAddress[0]);
        await this.wfile.write('ok');
      }
    }
    const server = await serving(new TCPServer(['::', 0], Who));
    expect(await exchange(portOf(server))).toBe('ok');
    expect(await exchange({ port: portOf(server), host: '::1' })).toBe('ok');
    expect(clients).toEqual(['::ffff:127.0.0.1', '::1']);
  });
});

describe('UnixStreamServer echo (test_UnixStreamServer)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'socketserver-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('echoes over a Unix socket; serverAddress is the path; serverClose removes the file', async () => {
    const path = join(dir, 'echo.sock');
    const clients: unknown[] = [];
    class Echo extends UpperEcho {
      override async setup(): Promise<void> {
        clients.push(this.clientAddress);
        await super.setup();
      }
    }
    const server = await serving(new UnixStreamServer(path, Echo));
    expect(server.serverAddress).toBe(path);
    for (let i = 0; i < 3; i++) expect(await exchange(path, 'unix\n')).toBe('UNIX\n');
    expect(clients).toEqual(['', '', '']);
    await server.shutdown();
    await server.serverClose();
    expect(existsSync(path)).toBe(false);
  });

  it('binding over an existing socket file fails, as in Python', async () => {
    const path = join(dir, 'taken.sock');
    await serving(new UnixStreamServer(path, UpperEcho));
    await expect(new UnixStreamServer(path, UpperEcho).serverBind()).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
