// --spa and clean URLs: what falls back, what still 404s, and that nothing leaves the root.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, makeFixture, raw, serve, statusOf, type Fixture, type Running } from './helpers.js';

let fixture: Fixture;
let running: Running | undefined;
beforeAll(() => {
  fixture = makeFixture();
  writeFileSync(join(fixture.root, 'index.html'), '<p>app shell</p>\n');
  writeFileSync(join(fixture.root, 'about.html'), '<p>about</p>\n');
  mkdirSync(join(fixture.root, 'docs'));
  writeFileSync(join(fixture.root, 'docs', 'guide.html'), '<p>guide</p>\n');
  writeFileSync(join(fixture.outside, 'escape.html'), 'TOP SECRET\n');
  symlinkSync(join(fixture.outside, 'escape.html'), join(fixture.root, 'leak.html'));
});
afterEach(async () => {
  await running?.close();
  running = undefined;
});
afterAll(() => fixture.remove());

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('spa', () => {
  it.for([
    ['/settings/profile', HTML, 200, 'app shell'],
    ['/deep/client/route', {}, 200, 'app shell'],
    ['/hello.txt', HTML, 200, 'hello'],
    ['/missing.js', HTML, 404, undefined],
    ['/assets/logo.png', HTML, 404, undefined],
    ['/api/data', { accept: 'application/json' }, 404, undefined],
    ['/route', { accept: 'text/html;q=0' }, 404, undefined],
    ['/.env', HTML, 404, undefined],
    ['/../outside/escape', HTML, 404, undefined],
    ['/%2e%2e/outside/escape', HTML, 404, undefined],
  ] as const)('GET %s → %d', async ([path, headers, status, body]) => {
    running = await serve({ directory: fixture.root, spa: true });
    const reply = await get(running.port, path, headers);
    expect(reply.status).toBe(status);
    if (body !== undefined) expect(reply.body.toString()).toContain(body);
    expect(reply.body.toString()).not.toContain('TOP SECRET');
  });

  it('is off by default', async () => {
    running = await serve({ directory: fixture.root });
    expect((await get(running.port, '/settings/profile', HTML)).status).toBe(404);
  });
});

describe('cleanUrls', () => {
  it.for([
    ['/about', 200, 'about', undefined],
    ['/docs/guide', 200, 'guide', undefined],
    ['/about.html', 301, undefined, '/about'],
    ['/about.html?x=1', 301, undefined, '/about?x=1'],
    ['/index.html', 301, undefined, '/'],
    ['/docs/guide.html', 301, undefined, '/docs/guide'],
    ['/docs', 301, undefined, '/docs/'],
    ['/nothing', 404, undefined, undefined],
    ['/leak', 404, undefined, undefined],
    ['/sub/../about', 404, undefined, undefined],
  ] as const)('GET %s → %d', async ([path, status, body, location]) => {
    running = await serve({ directory: fixture.root, cleanUrls: true });
    const reply = await get(running.port, path);
    expect(reply.status).toBe(status);
    if (body !== undefined) expect(reply.body.toString()).toContain(body);
    expect(reply.headers.location).toBe(location);
    expect(reply.body.toString()).not.toContain('TOP SECRET');
  });

  it.for(['//evil.example/x.html', '/\\evil.example/x.html', '/%5Cevil.example%2Fx.html'])(
    'never redirects %s off-site',
    async (target) => {
      running = await serve({ directory: fixture.root, cleanUrls: true });
      const text = await raw(running.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect([404, 400]).toContain(statusOf(text));
    },
  );

  it('redirects a real file reached by an odd path to a single-slash local path', async () => {
    mkdirSync(join(fixture.root, 'evil.example'), { recursive: true });
    writeFileSync(join(fixture.root, 'evil.example', 'x.html'), 'x');
    running = await serve({ directory: fixture.root, cleanUrls: true });
    const reply = await get(running.port, '//evil.example/x.html');
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe('/evil.example/x');
  });
});
