// On-the-fly compression: which files, which coding, cached bytes, streamed large files, validators.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DYNAMIC_CODINGS } from '../src/internal/compression.js';
import { fileCacheFor } from '../src/internal/caches.js';
import { APP_JS, get, makeFixture, OLD_MTIME, raw, serve, type Fixture, type Running } from './helpers.js';

const TEXT = Array.from({ length: 700 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`)
  .join('')
  .slice(0, 20 * 1024);
const BIG_TEXT = Array.from({ length: 20_000 }, (_, i) => `{"row": ${i}, "name": "entry ${i % 97}"},\n`).join('');

let fixture: Fixture;
let running: Running | undefined;
beforeAll(() => {
  fixture = makeFixture();
  const files: Record<string, string> = {
    'text20k.txt': TEXT,
    'big.json': BIG_TEXT,
    'pic.svg': `<svg>${'<g/>'.repeat(400)}</svg>`,
    'blob.bin': TEXT,
  };
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(fixture.root, name), content);
    utimesSync(join(fixture.root, name), OLD_MTIME, OLD_MTIME);
  }
});
afterEach(async () => {
  await running?.close();
  running = undefined;
});
afterAll(() => fixture.remove());

function decode(coding: string | string[] | undefined, body: Buffer): Buffer {
  if (coding === 'br') return brotliDecompressSync(body);
  if (coding === 'gzip') return gunzipSync(body);
  return body;
}

describe('compression on the fly', () => {
  it.for([
    ['br, gzip', 'br'],
    ['gzip, deflate', 'gzip'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['identity', undefined],
    ['br;q=0.5, identity', undefined],
    ['deflate', undefined],
  ] as const)('Accept-Encoding %j → %s', async ([accept, coding]) => {
    running = await serve({ directory: fixture.root });
    const reply = await get(running.port, '/text20k.txt', { 'accept-encoding': accept });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-encoding']).toBe(coding);
    expect(reply.headers.vary).toBe('Accept-Encoding');
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    expect(decode(coding, reply.body).toString()).toBe(TEXT);
    if (coding !== undefined) expect(reply.body.length).toBeLessThan(TEXT.length / 4);
  });

  it('gives each coding its own strong ETag, and revalidates each', async () => {
    running = await serve({ directory: fixture.root });
    const tags = new Map<string, string>();
    for (const accept of ['br', 'gzip', 'identity']) {
      const reply = await get(running.port, '/text20k.txt', { 'accept-encoding': accept });
      tags.set(accept, String(reply.headers.etag));
      const again = await get(running.port, '/text20k.txt', {
        'accept-encoding': accept,
        'if-none-match': String(reply.headers.etag),
      });
      expect(again.status).toBe(304);
      expect(again.headers.vary).toBe('Accept-Encoding');
    }
    expect(new Set(tags.values()).size).toBe(3);
    expect(tags.get('br')).toMatch(/^"[^"W]+-br"$/);
    // another coding's tag does not match: the full answer
    expect(
      (await get(running.port, '/text20k.txt', { 'accept-encoding': 'br', 'if-none-match': tags.get('gzip')! })).status,
    ).toBe(200);
  });

  it('keeps the compressed bytes of a small file beside its identity bytes, and drops them on an edit', async () => {
    const fileCache = { racyMs: 0 }; // ctime cannot be set old
    running = await serve({ directory: fixture.root, fileCache });
    const path = join(fixture.root, 'edited.css');
    writeFileSync(path, 'a{color:red}\n'.repeat(200));
    utimesSync(path, OLD_MTIME, OLD_MTIME);
    const first = await get(running.port, '/edited.css', { 'accept-encoding': 'br' });
    const cache = fileCacheFor({ fileCache, directory: fixture.root, followExternalSymlinks: false });
    const entry = cache.get(path, statSync(path));
    expect(entry?.encoded?.get('br')?.body).toEqual(first.body);
    const second = await get(running.port, '/edited.css', { 'accept-encoding': 'br' });
    expect(second.body).toEqual(first.body);
    writeFileSync(path, 'b{color:blue}\n'.repeat(200));
    utimesSync(path, OLD_MTIME, new Date(OLD_MTIME.getTime() + 1000));
    const third = await get(running.port, '/edited.css', { 'accept-encoding': 'br' });
    expect(brotliDecompressSync(third.body).toString()).toBe('b{color:blue}\n'.repeat(200));
    expect(third.headers.etag).not.toBe(first.headers.etag);
  });

  it('still prefers a precompressed sibling', async () => {
    running = await serve({ directory: fixture.root });
    const reply = await get(running.port, '/app.js', { 'accept-encoding': 'br, gzip' });
    expect(reply.headers['content-encoding']).toBe('br');
    expect(reply.body).toEqual(brotliCompressSync(APP_JS));
  });

  it('answers a Range from the identity bytes', async () => {
    running = await serve({ directory: fixture.root });
    const reply = await get(running.port, '/text20k.txt', { 'accept-encoding': 'br, gzip', range: 'bytes=5-9' });
    expect(reply.status).toBe(206);
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.body.toString()).toBe(TEXT.slice(5, 10));
    expect(reply.headers.vary).toBe('Accept-Encoding');
  });

  it.for([
    ['/hello.txt', 'under 1 KiB'],
    ['/image.png', 'not compressible'],
    ['/blob.bin', 'application/octet-stream'],
  ])('leaves %s alone (%s), without Vary', async ([path]) => {
    running = await serve({ directory: fixture.root });
    const reply = await get(running.port, path!, { 'accept-encoding': 'br, gzip' });
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.headers.vary).toBeUndefined();
  });

  it('offers zstd only where this Node compresses it', async () => {
    running = await serve({ directory: fixture.root });
    const reply = await get(running.port, '/text20k.txt', { 'accept-encoding': 'zstd' });
    if (!DYNAMIC_CODINGS.zstd) {
      expect(reply.headers['content-encoding']).toBeUndefined();
      expect(reply.body.toString()).toBe(TEXT);
      return;
    }
    expect(reply.headers['content-encoding']).toBe('zstd');
    const zlib = (await import('node:zlib')) as unknown as { zstdDecompressSync(b: Buffer): Buffer };
    expect(zlib.zstdDecompressSync(reply.body).toString()).toBe(TEXT);
  });

  it('compresses SVG', async () => {
    running = await serve({ directory: fixture.root });
    const reply = await get(running.port, '/pic.svg', { 'accept-encoding': 'gzip' });
    expect(reply.headers['content-encoding']).toBe('gzip');
  });

  it('is turned off by compress = false', async () => {
    running = await serve({ directory: fixture.root, compress: false });
    const reply = await get(running.port, '/text20k.txt', { 'accept-encoding': 'br, gzip' });
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.body.toString()).toBe(TEXT);
  });
});

describe('a large file compressed as it is sent', () => {
  it.for(['br', 'gzip'])('streams %s in chunks on HTTP/1.1', async (coding) => {
    running = await serve({ directory: fixture.root });
    const reply = await get(running.port, '/big.json', { 'accept-encoding': coding });
    expect(reply.status).toBe(200);
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    expect(reply.headers['content-length']).toBeUndefined();
    expect(reply.headers.etag).toMatch(new RegExp(`-${coding}"$`));
    expect(decode(coding, reply.body).toString()).toBe(BIG_TEXT);
  });

  it('ends by closing the connection on HTTP/1.0', async () => {
    running = await serve({ directory: fixture.root });
    const text = await raw(running.port, 'GET /big.json HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n');
    const [head, ...rest] = text.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).not.toMatch(/content-length|transfer-encoding/i);
    expect(gunzipSync(Buffer.from(rest.join('\r\n\r\n'), 'latin1')).toString()).toBe(BIG_TEXT);
  });

  it('cut short (the file shrank) never sends the last chunk, and the server keeps serving', async () => {
    running = await serve({ directory: fixture.root, readSize: 64 * 1024 });
    const path = join(fixture.root, 'shrinking.txt');
    // text that does not compress to nothing: the response spans many socket writes
    writeFileSync(path, Array.from({ length: 300_000 }, (_, i) => `${(i * 2654435761) % 1e9}\n`).join(''));
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let cut = false;
      const socket = net.connect(running!.port, '127.0.0.1', () =>
        socket.write('GET /shrinking.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n'),
      );
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (!cut) {
          cut = true;
          socket.pause();
          truncateSync(path, 1024);
          setImmediate(() => socket.resume());
        }
      });
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 [\s\S]*transfer-encoding: chunked/i);
    expect(text.endsWith('\r\n0\r\n\r\n')).toBe(false);
    expect(running.log.some((line) => /shrank/.test(line))).toBe(true);
    expect((await get(running.port, '/hello.txt')).status).toBe(200);
  });

  it('answers HEAD with the head alone', async () => {
    running = await serve({ directory: fixture.root });
    const reply = await get(running.port, '/big.json', { 'accept-encoding': 'br' }, 'HEAD');
    expect(reply.headers['content-encoding']).toBe('br');
    expect(reply.body.length).toBe(0);
  });

  it.skipIf(spawnSync('curl', ['--version']).status !== 0)('decodes in curl --compressed', async () => {
    running = await serve({ directory: fixture.root });
    const { stdout } = await promisify(execFile)(
      'curl',
      ['-sS', '--compressed', '-D', '-', `http://127.0.0.1:${running.port}/big.json`],
      {
        encoding: 'latin1',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    expect(stdout).toMatch(/content-encoding: (br|gzip)/i);
    expect(stdout.endsWith(BIG_TEXT)).toBe(true);
  });
});
