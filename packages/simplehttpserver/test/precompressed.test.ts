import { unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APP_JS, get, makeFixture, serve, type Fixture, type Running } from './helpers.js';

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

const decode = (coding: string | undefined, body: Buffer) =>
  coding === 'br' ? brotliDecompressSync(body) : coding === 'gzip' ? gunzipSync(body) : body;

describe('precompressed siblings by Accept-Encoding', () => {
  it.for([
    ['/app.js', undefined, undefined],
    ['/app.js', 'gzip, deflate, br', 'br'],
    ['/app.js', 'br;q=0.5, gzip;q=0.5', 'br'],
    ['/app.js', 'gzip', 'gzip'],
    ['/app.js', 'gzip;q=1, br;q=0.8', 'gzip'],
    ['/app.js', 'br;q=0, gzip', 'gzip'],
    ['/app.js', 'deflate', undefined],
    ['/app.js', '*', 'br'],
    ['/app.js', 'identity', undefined],
    ['/app.js', 'gzip;q=0.5, identity', undefined],
    ['/style.css', 'br, gzip', 'gzip'],
    ['/style.css', 'br', undefined],
    ['/hello.txt', 'br, gzip', undefined],
  ] as const)('GET %s with %j → %s', async ([path, accept, coding]) => {
    running = await serve({ directory: fixture.root });
    const reply = await get(running.port, path, accept === undefined ? {} : { 'accept-encoding': accept });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-encoding']).toBe(coding);
    expect(reply.headers['content-type']).toBe(
      path.endsWith('.js')
        ? 'text/javascript; charset=utf-8'
        : 'text/' + (path.endsWith('.css') ? 'css' : 'plain') + '; charset=utf-8',
    );
    // hello.txt is too small to compress and has no sibling: its answer never varies
    expect(reply.headers.vary).toBe(path === '/hello.txt' ? undefined : 'Accept-Encoding');
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    if (path === '/app.js') expect(decode(coding, reply.body).toString()).toBe(APP_JS);
  });

  it('gives each coding its own ETag, and 304 / Range work per coding', async () => {
    running = await serve({ directory: fixture.root });
    const { port } = running;
    const plain = await get(port, '/app.js');
    const br = await get(port, '/app.js', { 'accept-encoding': 'br' });
    const gz = await get(port, '/app.js', { 'accept-encoding': 'gzip' });
    expect(new Set([plain.headers.etag, br.headers.etag, gz.headers.etag]).size).toBe(3);
    expect((await get(port, '/app.js', { 'accept-encoding': 'br', 'if-none-match': br.headers.etag! })).status).toBe(
      304,
    );
    const stale = await get(port, '/app.js', { 'accept-encoding': 'gzip', 'if-none-match': br.headers.etag! });
    expect(stale.status).toBe(200);
    const part = await get(port, '/app.js', { 'accept-encoding': 'gzip', range: 'bytes=0-9' });
    expect(part.status).toBe(206);
    expect(part.headers['content-encoding']).toBe('gzip');
    expect(part.headers['content-range']).toBe(`bytes 0-9/${gz.body.length}`);
    expect(part.body.equals(gz.body.subarray(0, 10))).toBe(true);
    const notModified = await get(port, '/app.js', { 'accept-encoding': 'br', 'if-none-match': br.headers.etag! });
    expect(notModified.headers.vary).toBe('Accept-Encoding');
  });

  it('serves a sibling asked for by name as itself, without Content-Encoding', async () => {
    running = await serve({ directory: fixture.root });
    const reply = await get(running.port, '/app.js.gz', { 'accept-encoding': 'gzip' });
    expect(reply.headers['content-type']).toBe('application/gzip');
    expect(reply.headers['content-encoding']).toBeUndefined();
  });

  it('notices siblings that appear and disappear', async () => {
    running = await serve({ directory: fixture.root });
    const file = join(fixture.root, 'hello.txt.gz');
    writeFileSync(file, gzipSync('hello, world\n'));
    try {
      const reply = await get(running.port, '/hello.txt', { 'accept-encoding': 'gzip' });
      expect(reply.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(reply.body).toString()).toBe('hello, world\n');
    } finally {
      unlinkSync(file);
    }
    const after = await get(running.port, '/hello.txt', { 'accept-encoding': 'gzip' });
    expect(after.headers['content-encoding']).toBeUndefined();
    expect(after.body.toString()).toBe('hello, world\n');
  });

  it('never sends a sibling older than its file', async () => {
    running = await serve({ directory: fixture.root });
    writeFileSync(join(fixture.root, 'fresh.js'), 'old();\n');
    writeFileSync(join(fixture.root, 'fresh.js.gz'), gzipSync('old();\n'));
    const older = new Date(Date.now() - 60_000);
    utimesSync(join(fixture.root, 'fresh.js.gz'), older, older);
    writeFileSync(join(fixture.root, 'fresh.js'), 'edited();\n');
    const reply = await get(running.port, '/fresh.js', { 'accept-encoding': 'gzip' });
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.body.toString()).toBe('edited();\n');
    expect(reply.headers.vary).toBeUndefined(); // no current sibling, too small to compress
  });

  it('can be turned off', async () => {
    running = await serve({ directory: fixture.root, precompressed: false, compress: false });
    const reply = await get(running.port, '/app.js', { 'accept-encoding': 'br, gzip' });
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.headers.vary).toBeUndefined();
  });
});
