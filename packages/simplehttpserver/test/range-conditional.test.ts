import { execFile, spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BIG_SIZE,
  bigBytes,
  get,
  makeFixture,
  OLD_MTIME,
  raw,
  serve,
  statusOf,
  type Fixture,
  type Running,
} from './helpers.js';

let fixture: Fixture;
let running: Running;
let etag: string;
const big = bigBytes();
const HELLO = Buffer.from('hello, world\n');
beforeAll(async () => {
  fixture = makeFixture();
});
afterAll(() => fixture.remove());
afterEach(async () => running?.close());
const start = async () => {
  running = await serve({ directory: fixture.root });
  etag = (await get(running.port, '/hello.txt')).headers.etag!;
  return running.port;
};
const date = (ms: number) => new Date(ms).toUTCString();

describe('Range (RFC 9110 §14) on a small, cached file', () => {
  it.for([
    ['bytes=0-4', 206, 'bytes 0-4/13', 'hello'],
    ['bytes=7-', 206, 'bytes 7-12/13', 'world\n'],
    ['bytes=-6', 206, 'bytes 7-12/13', 'world\n'],
    ['bytes=-100', 206, 'bytes 0-12/13', 'hello, world\n'],
    ['bytes=7-1000', 206, 'bytes 7-12/13', 'world\n'],
    ['bytes=12-12', 206, 'bytes 12-12/13', '\n'],
    ['bytes=13-', 416, 'bytes */13', ''],
    ['bytes=100-200', 416, 'bytes */13', ''],
    ['bytes=-0', 416, 'bytes */13', ''],
    ['bytes=5-1', 200, undefined, 'hello, world\n'],
    ['bytes=x', 200, undefined, 'hello, world\n'],
    ['items=0-1', 200, undefined, 'hello, world\n'],
    ['bytes=0-1,1-2', 200, undefined, 'hello, world\n'],
    ['bytes=' + Array.from({ length: 17 }, (_, i) => `${i}-${i}`).join(','), 200, undefined, 'hello, world\n'],
    ['bytes=' + Array.from({ length: 500 }, () => '0-').join(','), 200, undefined, 'hello, world\n'],
  ] as const)('%s → %d %s', async ([range, status, contentRange, body]) => {
    const port = await start();
    const reply = await get(port, '/hello.txt', { range });
    expect(reply.status).toBe(status);
    expect(reply.headers['content-range']).toBe(contentRange);
    expect(reply.body.toString()).toBe(body);
    expect(reply.headers['content-length']).toBe(String(body.length));
  });

  it('answers multiple ranges as multipart/byteranges', async () => {
    const port = await start();
    const reply = await get(port, '/hello.txt', { range: 'bytes=0-4,7-11' });
    expect(reply.status).toBe(206);
    const boundary = /^multipart\/byteranges; boundary=(\w+)$/.exec(reply.headers['content-type']!)?.[1];
    expect(boundary).toBeDefined();
    expect(reply.body.toString()).toBe(
      `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-4/13\r\n\r\nhello\r\n` +
        `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 7-11/13\r\n\r\nworld\r\n--${boundary}--\r\n`,
    );
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
  });

  it('ignores Range on HEAD', async () => {
    const port = await start();
    const reply = await get(port, '/hello.txt', { range: 'bytes=0-1' }, 'HEAD');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe('13');
  });
});

describe('Range on a large, streamed file', () => {
  it.for([
    [0, 0],
    [1_000_000, 2_500_000],
    [BIG_SIZE - 10, BIG_SIZE - 1],
  ] as const)('bytes=%d-%d', async ([first, last]) => {
    const port = await start();
    const reply = await get(port, '/big.bin', { range: `bytes=${first}-${last}` });
    expect(reply.status).toBe(206);
    expect(reply.headers['content-range']).toBe(`bytes ${first}-${last}/${BIG_SIZE}`);
    expect(reply.body.equals(big.subarray(first, last + 1))).toBe(true);
  });

  it('streams the whole file intact', async () => {
    const port = await start();
    const reply = await get(port, '/big.bin');
    expect(reply.body.length).toBe(BIG_SIZE);
    expect(reply.body.equals(big)).toBe(true);
  });

  it('answers multipart ranges from the file', async () => {
    const port = await start();
    const reply = await get(port, '/big.bin', { range: 'bytes=-3,0-2' });
    const text = reply.body.toString('latin1');
    expect(text).toContain(
      `Content-Range: bytes ${BIG_SIZE - 3}-${BIG_SIZE - 1}/${BIG_SIZE}\r\n\r\n${big.subarray(-3).toString('latin1')}\r\n`,
    );
    expect(text).toContain(`Content-Range: bytes 0-2/${BIG_SIZE}\r\n\r\n${big.subarray(0, 3).toString('latin1')}\r\n`);
    expect(text.indexOf('bytes 0-2')).toBeGreaterThan(text.indexOf(`bytes ${BIG_SIZE - 3}`));
  });
});

describe('conditional requests (RFC 9110 §13)', () => {
  const cases: Array<[string, () => Record<string, string>, number]> = [
    ['If-None-Match current', () => ({ 'if-none-match': etag }), 304],
    ['If-None-Match weak current', () => ({ 'if-none-match': `W/${etag}` }), 304],
    ['If-None-Match list', () => ({ 'if-none-match': `"a", ${etag}` }), 304],
    ['If-None-Match *', () => ({ 'if-none-match': '*' }), 304],
    ['If-None-Match other', () => ({ 'if-none-match': '"other"' }), 200],
    [
      'If-None-Match other + If-Modified-Since',
      () => ({ 'if-none-match': '"x"', 'if-modified-since': date(Date.now()) }),
      200,
    ],
    ['If-Modified-Since = mtime', () => ({ 'if-modified-since': OLD_MTIME.toUTCString() }), 304],
    ['If-Modified-Since later', () => ({ 'if-modified-since': date(Date.now()) }), 304],
    ['If-Modified-Since earlier', () => ({ 'if-modified-since': date(OLD_MTIME.getTime() - 1000) }), 200],
    ['If-Modified-Since garbage', () => ({ 'if-modified-since': 'not a date' }), 200],
    ['If-Match current', () => ({ 'if-match': etag }), 200],
    ['If-Match *', () => ({ 'if-match': '*' }), 200],
    ['If-Match other', () => ({ 'if-match': '"other"' }), 412],
    ['If-Match weak', () => ({ 'if-match': `W/${etag}` }), 412],
    ['If-Unmodified-Since earlier', () => ({ 'if-unmodified-since': date(OLD_MTIME.getTime() - 1000) }), 412],
    ['If-Unmodified-Since later', () => ({ 'if-unmodified-since': date(Date.now()) }), 200],
    ['If-Range current ETag', () => ({ range: 'bytes=0-4', 'if-range': etag }), 206],
    ['If-Range old ETag', () => ({ range: 'bytes=0-4', 'if-range': '"old"' }), 200],
    ['If-Range weak ETag', () => ({ range: 'bytes=0-4', 'if-range': `W/${etag}` }), 200],
    ['If-Range date = mtime', () => ({ range: 'bytes=0-4', 'if-range': OLD_MTIME.toUTCString() }), 206],
    ['If-Range other date', () => ({ range: 'bytes=0-4', 'if-range': date(Date.now()) }), 200],
    ['If-None-Match current + Range', () => ({ range: 'bytes=0-4', 'if-none-match': etag }), 304],
  ];
  it.for(cases)('%s → %d', async ([, headers, status]) => {
    const port = await start();
    const reply = await get(port, '/hello.txt', headers());
    expect(reply.status).toBe(status);
    if (status === 200) expect(reply.body.equals(HELLO)).toBe(true);
  });

  it('strips body headers from 304 and keeps ETag, Cache-Control', async () => {
    const port = await start();
    const text = await raw(
      port,
      `GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(text)).toBe(304);
    const head = text.split('\r\n\r\n')[0]!;
    expect(head).toContain(`\r\nETag: ${etag}`);
    expect(head).toContain('\r\nCache-Control: no-cache');
    expect(head).not.toMatch(/Content-Length|Content-Type|Content-Range|Last-Modified/i);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });
});

describe('with fetch (undici)', () => {
  it.for([
    [{ range: 'bytes=0-4' }, 206, 'hello'],
    [{ range: 'bytes=-6' }, 206, 'world\n'],
    [{ range: 'bytes=99-' }, 416, ''],
    [{ 'if-modified-since': OLD_MTIME.toUTCString() }, 304, ''],
    [{ 'if-match': '"nope"' }, 412, undefined],
    [{}, 200, 'hello, world\n'],
  ] as const)('%j → %d', async ([headers, status, body]) => {
    const port = await start();
    const response = await fetch(`http://127.0.0.1:${port}/hello.txt`, { headers });
    expect(response.status).toBe(status);
    const text = await response.text();
    if (body !== undefined) expect(text).toBe(body);
  });

  it('revalidates with the ETag it was given', async () => {
    const port = await start();
    const first = await fetch(`http://127.0.0.1:${port}/big.bin`, { headers: { range: 'bytes=0-9' } });
    const tag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const again = await fetch(`http://127.0.0.1:${port}/big.bin`, { headers: { 'if-none-match': tag } });
    expect(again.status).toBe(304);
    const partial = await fetch(`http://127.0.0.1:${port}/big.bin`, {
      headers: { range: 'bytes=10-19', 'if-range': tag },
    });
    expect(partial.status).toBe(206);
    expect(Buffer.from(await partial.arrayBuffer()).equals(big.subarray(10, 20))).toBe(true);
  });
});

const hasCurl = spawnSync('curl', ['--version']).error === undefined;
if (!hasCurl) console.warn('curl not found: curl range/conditional tests skipped');

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('curl', ['-s', '-g', ...args], { encoding: 'latin1', maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
}

describe.skipIf(!hasCurl)('with curl', () => {
  it.for([
    [['-r', '0-4'], 'hello'],
    [['-r', '-6'], 'world\n'],
    [['-r', '7-'], 'world\n'],
  ] as const)('curl %j → %j', async ([args, body]) => {
    const port = await start();
    expect(await curl([...args, `http://127.0.0.1:${port}/hello.txt`])).toBe(body);
  });

  it('fetches a file in two ranges that join up', async () => {
    const port = await start();
    const head = await curl(['-r', '0-999999', `http://127.0.0.1:${port}/big.bin`]);
    expect(head.length).toBe(1_000_000);
    const rest = await curl(['-r', '1000000-', `http://127.0.0.1:${port}/big.bin`]);
    expect(Buffer.from(head + rest, 'latin1').equals(big)).toBe(true);
  });

  it('curl -z (If-Modified-Since) gets 304, then 200 for an older date', async () => {
    const port = await start();
    const code = (extra: string[]) =>
      curl(['-o', '/dev/null', '-w', '%{http_code}', ...extra, `http://127.0.0.1:${port}/hello.txt`]);
    expect(await code(['-z', OLD_MTIME.toUTCString()])).toBe('304');
    expect(await code(['-z', date(OLD_MTIME.getTime() - 86_400_000)])).toBe('200');
    expect(await code(['-H', `If-None-Match: ${etag}`])).toBe('304');
  });
});
