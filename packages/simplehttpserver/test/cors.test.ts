import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFor, launchChromium, get, makeFixture, serve, type Fixture, type Running } from './helpers.js';

const hasChromium = chromiumFor('cross-origin browser test');

let fixture: Fixture;
let api: Running;
let plain: Running;
let page: Running;
beforeAll(async () => {
  fixture = makeFixture();
  api = await serve({ directory: fixture.root, cors: '*' });
  plain = await serve({ directory: fixture.root });
  page = await serve({ directory: fixture.root });
});
afterAll(async () => {
  await Promise.all([api?.close(), plain?.close(), page?.close()]);
  fixture?.remove();
});

const PREFLIGHT = { Origin: 'http://example.test', 'Access-Control-Request-Method': 'GET' };

describe('CORS under cors', () => {
  it('answers a preflight with 204, the methods, the requested headers echoed and a max age', async () => {
    const reply = await get(
      api.port,
      '/data.json',
      { ...PREFLIGHT, 'Access-Control-Request-Headers': 'x-custom, range' },
      'OPTIONS',
    );
    expect(reply.status).toBe(204);
    expect(reply.headers['access-control-allow-origin']).toBe('*');
    expect(reply.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS');
    expect(reply.headers['access-control-allow-headers']).toBe('x-custom, range');
    expect(reply.headers['access-control-max-age']).toBe('7200');
    expect(reply.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(reply.body.length).toBe(0);
  });

  it('offers PUT and POST only while uploads are on', async () => {
    const writable = await serve({ directory: fixture.root, cors: '*', upload: true });
    try {
      const reply = await get(writable.port, '/data.json', PREFLIGHT, 'OPTIONS');
      expect(reply.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS, POST, PUT');
    } finally {
      await writable.close();
    }
  });

  it.for<[string, string]>([
    ['a CR LF', 'x-a\r\nSet-Cookie: a=b'],
    ['a colon', 'x-a: b'],
    ['a space inside a name', 'x a'],
    ['Latin-1', 'x-\xe9'],
  ])('does not echo requested headers with %s', async ([, value]) => {
    const reply = await get(
      api.port,
      '/data.json',
      { ...PREFLIGHT, 'Access-Control-Request-Headers': value },
      'OPTIONS',
    ).catch(
      () => undefined, // node:http itself may refuse to send the value
    );
    if (reply === undefined) return;
    expect([204, 400]).toContain(reply.status);
    expect(reply.headers['access-control-allow-headers']).toBeUndefined();
    expect(reply.headers['set-cookie']).toBeUndefined();
  });

  it('exposes ETag and Content-Range on files and listings', async () => {
    for (const path of ['/hello.txt', '/']) {
      const reply = await get(api.port, path);
      expect(reply.headers['access-control-allow-origin']).toBe('*');
      expect(reply.headers['access-control-expose-headers']).toContain('ETag');
      expect(reply.headers['access-control-expose-headers']).toContain('Content-Range');
    }
  });

  it('leaves OPTIONS unsupported (501, as Python) without cors', async () => {
    const reply = await get(plain.port, '/data.json', PREFLIGHT, 'OPTIONS');
    expect(reply.status).toBe(501);
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe.skipIf(!hasChromium)('a cross-origin fetch from headless chromium', () => {
  it('reads a file and its ETag with a custom header (preflighted) from another port', async () => {
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${page.port}/page.html`);
      const fetchFrom = (port: number) =>
        tab.evaluate(async (url) => {
          try {
            const response = await fetch(url, { headers: { 'X-Custom': '1', Range: 'bytes=0-4' } });
            return { status: response.status, text: await response.text(), etag: response.headers.get('etag') };
          } catch (error) {
            return { error: String(error) };
          }
        }, `http://localhost:${port}/hello.txt`);
      const allowed = await fetchFrom(api.port);
      expect(allowed).toMatchObject({ status: 206, text: 'hello' });
      expect((allowed as { etag: string }).etag).toMatch(/^"/);
      expect(api.log).toContain('"%s" %s %s OPTIONS /hello.txt HTTP/1.1 204 0');
      const refused = await fetchFrom(plain.port);
      expect(refused).toMatchObject({ error: expect.stringContaining('Failed to fetch') });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
