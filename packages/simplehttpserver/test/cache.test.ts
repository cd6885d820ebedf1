import { renameSync, truncateSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, makeFixture, serve, type Fixture, type Running } from './helpers.js';

let fixture: Fixture;
let running: Running | undefined;
beforeAll(() => {
  fixture = makeFixture();
});
afterAll(() => fixture.remove());
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const past = new Date(Date.now() - 3_600_000);
const write = (name: string, content: string | Buffer, mtime?: Date) => {
  writeFileSync(join(fixture.root, name), content);
  if (mtime) utimesSync(join(fixture.root, name), mtime, mtime);
};

describe('the file cache never serves an edited file stale', () => {
  it.for([
    ['rewritten with another size', (name: string) => write(name, 'version two, longer\n')],
    ['rewritten with the same size and a new mtime', (name: string) => write(name, 'version 2\n')],
    ['rewritten with the same size and the same mtime', (name: string) => write(name, 'version 2\n', past)],
    [
      'replaced by rename',
      (name: string) => {
        write(`${name}.tmp`, 'version 2\n', past);
        renameSync(join(fixture.root, `${name}.tmp`), join(fixture.root, name));
      },
    ],
  ] as const)('%s', async ([, edit]) => {
    // racyMs 0: the bytes are cached at once, so the edit must be caught by the stat check
    running = await serve({ directory: fixture.root, fileCache: { racyMs: 0 } });
    const name = `edit-${Math.random().toString(36).slice(2)}.txt`;
    write(name, 'version 1\n', past);
    const first = await get(running.port, `/${name}`);
    expect(first.body.toString()).toBe('version 1\n');
    expect((await get(running.port, `/${name}`)).body.toString()).toBe('version 1\n');
    edit(name);
    const second = await get(running.port, `/${name}`);
    expect(second.body.toString()).not.toBe('version 1\n');
    expect(second.headers.etag).not.toBe(first.headers.etag);
  });

  it('with the default racy window, a same-size rewrite right after a read is served fresh', async () => {
    running = await serve({ directory: fixture.root });
    for (let i = 0; i < 20; i++) {
      write('racy.txt', `version ${i % 10}\n`);
      expect((await get(running.port, '/racy.txt')).body.toString()).toBe(`version ${i % 10}\n`);
    }
  });

  it('a deleted file answers 404, a recreated one its new content', async () => {
    running = await serve({ directory: fixture.root, fileCache: { racyMs: 0 } });
    write('gone.txt', 'here\n', past);
    expect((await get(running.port, '/gone.txt')).status).toBe(200);
    unlinkSync(join(fixture.root, 'gone.txt'));
    expect((await get(running.port, '/gone.txt')).status).toBe(404);
    write('gone.txt', 'back\n', past);
    expect((await get(running.port, '/gone.txt')).body.toString()).toBe('back\n');
  });

  it('a file replaced by a symlink out of the root is refused, though cached before', async () => {
    running = await serve({ directory: fixture.root, fileCache: { racyMs: 0 } });
    write('swap.txt', 'inside\n', past);
    expect((await get(running.port, '/swap.txt')).body.toString()).toBe('inside\n');
    unlinkSync(join(fixture.root, 'swap.txt'));
    const { symlinkSync } = await import('node:fs');
    symlinkSync(join(fixture.outside, 'secret.txt'), join(fixture.root, 'swap.txt'));
    const reply = await get(running.port, '/swap.txt');
    expect(reply.status).toBe(404);
    expect(reply.body.toString()).not.toContain('TOP SECRET');
  });

  it('with shareStats off, each request takes its own stat', async () => {
    running = await serve({ directory: fixture.root, fileCache: { racyMs: 0, shareStats: false } });
    write('own.txt', 'one\n', past);
    expect((await get(running.port, '/own.txt')).body.toString()).toBe('one\n');
    write('own.txt', 'two, longer\n', past);
    expect((await get(running.port, '/own.txt')).body.toString()).toBe('two, longer\n');
  });

  it('works with the cache off', async () => {
    running = await serve({ directory: fixture.root, fileCache: false });
    write('nocache.txt', 'one\n', past);
    expect((await get(running.port, '/nocache.txt')).body.toString()).toBe('one\n');
    write('nocache.txt', 'two\n', past);
    expect((await get(running.port, '/nocache.txt')).body.toString()).toBe('two\n');
  });
});

describe('a file that changes while it is sent', () => {
  it('truncated mid-response: the connection closes short, the server keeps serving', async () => {
    running = await serve({ directory: fixture.root, readSize: 64 * 1024 });
    const size = 8 * 1024 * 1024;
    write('shrinks.bin', Buffer.alloc(size, 1));
    const { received, closed } = await new Promise<{ received: number; closed: boolean }>((resolve, reject) => {
      const socket = net.connect(running!.port, '127.0.0.1', () => {
        socket.write('GET /shrinks.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      let received = 0;
      let truncated = false;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (!truncated) {
          truncated = true;
          socket.pause(); // let the server fill the socket, then cut the file under it
          truncateSync(join(fixture.root, 'shrinks.bin'), 1024);
          setImmediate(() => socket.resume());
        }
      });
      socket.on('close', () => resolve({ received, closed: true }));
      socket.on('error', reject);
    });
    expect(closed).toBe(true);
    expect(received).toBeLessThan(size);
    expect(running.log.some((line) => /shrank/.test(line))).toBe(true);
    expect((await get(running.port, '/hello.txt')).status).toBe(200);
  });

  it('deleted mid-response: the open file is still sent whole', async () => {
    running = await serve({ directory: fixture.root, readSize: 64 * 1024 });
    const content = Buffer.alloc(4 * 1024 * 1024, 2);
    write('deleted.bin', content);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const socket = net.connect(running!.port, '127.0.0.1', () =>
        socket.write('GET /deleted.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      const chunks: Buffer[] = [];
      let deleted = false;
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (!deleted) {
          deleted = true;
          unlinkSync(join(fixture.root, 'deleted.bin'));
        }
      });
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
    });
    const body = reply.subarray(reply.indexOf('\r\n\r\n') + 4);
    expect(body.equals(content)).toBe(true);
    expect((await get(running.port, '/deleted.bin')).status).toBe(404);
  });

  it('a client that goes away mid-download does not disturb the server', async () => {
    running = await serve({ directory: fixture.root });
    await new Promise<void>((resolve) => {
      const socket = net.connect(running!.port, '127.0.0.1', () =>
        socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n'),
      );
      socket.once('data', () => socket.destroy());
      socket.on('close', () => resolve());
    });
    expect((await get(running.port, '/big.bin')).body.length).toBeGreaterThan(3_000_000);
  });
});
