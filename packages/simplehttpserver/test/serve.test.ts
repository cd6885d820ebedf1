import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimpleHTTPRequestHandler } from '../src/index.js';
import { formatLocalDate } from '../src/internal/listing.js';
import {
  APP_JS,
  IMG_NAME,
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
let running: Running | undefined;
beforeAll(() => {
  fixture = makeFixture();
});
afterAll(() => fixture.remove());
afterEach(async () => {
  await running?.close();
  running = undefined;
});
const start = async (options: Parameters<typeof serve>[0] = {}) =>
  (running = await serve({ directory: fixture.root, ...options }));

describe('SimpleHTTPRequestHandler.do_GET (Python do_GET)', () => {
  it.for([
    ['/hello.txt', 'text/plain; charset=utf-8', 'hello, world\n'],
    ['/a%20b.txt', 'text/plain; charset=utf-8', 'space\n'],
    [`/${encodeURIComponent('café ünïcode.txt')}`, 'text/plain; charset=utf-8', 'accents\n'],
    [`/${encodeURIComponent('<script>alert(1)<script>.txt')}`, 'text/plain; charset=utf-8', 'xss\n'],
    ['/' + encodeURIComponent(IMG_NAME), 'text/plain; charset=utf-8', 'img\n'],
    ['/100%25.txt', 'text/plain; charset=utf-8', 'percent\n'],
    ['/page.html', 'text/html; charset=utf-8', '<!DOCTYPE html><title>p</title><p>page</p>\n'],
    ['/data.json', 'application/json; charset=utf-8', '{"a":1}\n'],
    ['/app.js', 'text/javascript; charset=utf-8', APP_JS],
    ['/hello.txt?query=1#frag', 'text/plain; charset=utf-8', 'hello, world\n'],
    ['/link-in.txt', 'text/plain; charset=utf-8', 'hello, world\n'],
    ['/linkdir-in/deeper/file.txt', 'text/plain; charset=utf-8', 'deep\n'],
    ['/sub/', 'text/html; charset=utf-8', '<p>sub index</p>\n'],
    ['/both/', 'text/html; charset=utf-8', 'html index\n'],
    ['/.well-known/security.txt', 'text/plain; charset=utf-8', 'Contact: x\n'],
    ['/empty.txt', 'text/plain; charset=utf-8', ''],
  ] as const)('GET %s → 200 %s', async ([path, type, body]) => {
    const { port } = await start();
    const reply = await get(port, path);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(type);
    expect(reply.body.toString()).toBe(body);
    expect(reply.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it('sends Python headers plus validators and Cache-Control', async () => {
    const { port } = await start();
    const reply = await get(port, '/hello.txt');
    expect(reply.headers['last-modified']).toBe(OLD_MTIME.toUTCString());
    expect(reply.headers.etag).toMatch(/^"[0-9a-z-]+"$/);
    expect(reply.headers['accept-ranges']).toBe('bytes');
    expect(reply.headers['cache-control']).toBe('no-cache');
    expect(reply.headers.server).toMatch(/^SimpleHTTP\/0\.6 /);
    expect(reply.headers.vary).toBeUndefined(); // 13 bytes, no sibling: nothing could vary
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.for([
    '/missing.txt',
    '/.env',
    '/.git/config',
    '/.git/',
    '/link-out.txt',
    '/linkdir-out/secret.txt',
    '/linkdir-out/',
    '/broken-link.txt',
    '/hello.txt/',
    '/sub/deeper/file.txt/',
    '/%2egit/config',
  ])('GET %s → 404', async (path) => {
    const { port } = await start();
    const reply = await get(port, path);
    expect(reply.status).toBe(404);
    expect(reply.body.toString()).not.toMatch(/SECRET|\[core\]/);
  });

  it.skipIf(spawnSync('mkfifo', ['--version']).error !== undefined)(
    'never opens a FIFO (404, the server goes on)',
    async () => {
      const { port } = await start();
      spawnSync('mkfifo', [join(fixture.root, 'pipe.txt')]);
      expect((await get(port, '/pipe.txt')).status).toBe(404);
      expect((await get(port, '/hello.txt')).status).toBe(200);
    },
  );

  it('serves dotfiles and outside symlinks only when configured', async () => {
    const { port } = await start({ dotfiles: true, followExternalSymlinks: true });
    expect((await get(port, '/.env')).body.toString()).toBe('SECRET=1\n');
    expect((await get(port, '/link-out.txt')).body.toString()).toBe('TOP SECRET\n');
    expect((await get(port, '/linkdir-out/secret.txt')).status).toBe(200);
  });

  it('sets Cache-Control and CORS when configured', async () => {
    const { port } = await start({ cacheControl: 'public, max-age=60', cors: '*' });
    const reply = await get(port, '/hello.txt');
    expect(reply.headers['cache-control']).toBe('public, max-age=60');
    expect(reply.headers['access-control-allow-origin']).toBe('*');
    const none = await serve({ directory: fixture.root, cacheControl: null });
    try {
      expect((await get(none.port, '/hello.txt')).headers['cache-control']).toBeUndefined();
    } finally {
      await none.close();
    }
  });
});

describe('directories (Python send_head / list_directory)', () => {
  it.for([
    ['/sub', '/sub/'],
    ['/sub?x=1&y=2', '/sub/?x=1&y=2'],
    ['/dir%20with%20space', '/dir%20with%20space/'],
    ['//sub', '/sub/'],
    ['///sub', '/sub/'],
    ['/sub//deeper', '/sub/deeper/'],
    ['/linkdir-in', '/linkdir-in/'],
    ['http://evil.example/sub', '/sub/'],
  ] as const)('GET %s → 301 Location %s', async ([path, location]) => {
    const { port } = await start();
    const text = await raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(statusOf(text)).toBe(301);
    expect(/\r\nLocation: (.*)\r\n/.exec(text)?.[1]).toBe(location);
    expect(text).toContain('\r\nContent-Length: 0\r\n');
  });

  it.for([
    '//evil.example/..',
    '//evil.example/%2e%2e',
    '/\\evil.example/..',
    '/%5cevil.example/..',
    '//evil.example/%2f..',
    '/%2fevil.example/',
    '//evil.example',
    '///evil.example/..',
  ])('no open redirect for %s (CVE-2021-28861)', async (path) => {
    const { port } = await start();
    const text = await raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect([301, 400, 404]).toContain(statusOf(text));
    const location = /\r\nLocation: (.*)\r\n/i.exec(text)?.[1];
    if (location !== undefined) expect(location).toMatch(/^\/[^/\\]/);
  });

  it('lists a directory without an index: sorted, escaped, encoded, no dotfiles or escaping links', async () => {
    const { port } = await start();
    const reply = await get(port, '/');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = reply.body.toString();
    const local = formatLocalDate(OLD_MTIME.getTime());
    expect(html).toContain('<title>Directory listing for /</title>');
    expect(html).toContain('href="%3Cscript%3Ealert(1)%3Cscript%3E.txt">&lt;script&gt;alert(1)&lt;script&gt;.txt</a>');
    expect(html).toContain(
      'href="%3Cimg%20src%3Dx%20onerror%3D%22alert(\'x\')%22%3E%26amp%3B.txt">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;amp;.txt</a>',
    );
    expect(html).toContain(`href="${encodeURIComponent('café ünïcode.txt')}">café ünïcode.txt</a>`);
    expect(html).toContain('href="dir%20with%20space/">dir with space/</a>');
    expect(html).toContain('href="link-in.txt">link-in.txt@</a>');
    expect(html).toContain(
      '<a href="hello.txt">hello.txt</a></td><td class="size" title="13 bytes">13 B</td>' +
        `<td class="date"><time datetime="2024-01-02T03:04:05.000Z">${local.date} <span class="zone">${local.zone}</span></time></td>`,
    );
    expect(html).toContain('<td class="size" title="3145745 bytes">3.0 MiB</td>');
    expect(html).not.toMatch(/\.env|\.git|link-out|linkdir-out|broken-link|<script>|<img/);
    const names = [...html.matchAll(/<td class="name"><a href="([^"]+)">/g)].map((m) => decodeURIComponent(m[1]!));
    expect(names).toEqual(
      [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)),
    );
  });

  it('answers JSON when Accept prefers it', async () => {
    const { port } = await start();
    const reply = await get(port, '/sub/deeper/', { accept: 'application/json' });
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.headers.vary).toBe('Accept');
    expect(JSON.parse(reply.body.toString())).toEqual({
      path: '/sub/deeper/',
      entries: [{ name: 'file.txt', type: 'file', size: 5, mtime: OLD_MTIME.toISOString() }],
    });
  });

  it('escapes the title and shows the decoded path', async () => {
    const { port } = await start();
    const html = (await get(port, '/dir%20with%20space/')).body.toString();
    expect(html).toContain('<title>Directory listing for /dir with space/</title>');
    expect(html).toContain('<a href="../" title="Parent directory">');
  });

  it('lists dotfiles when they are served, and lists a directory whose index pages are turned off', async () => {
    const { port } = await start({ dotfiles: true, indexPages: [] });
    const root = (await get(port, '/')).body.toString();
    expect(root).toContain('href=".env">.env</a>');
    expect(root).toContain('href=".git/">.git/</a>');
    const sub = await get(port, '/sub/', { accept: 'application/json' });
    expect(JSON.parse(sub.body.toString()).entries.map((e: { name: string }) => e.name)).toEqual([
      'deeper',
      'index.htm',
    ]);
  });

  it('answers 404 for a directory without index when listing is off', async () => {
    const { port } = await start({ listDirectories: false });
    expect((await get(port, '/')).status).toBe(404);
    expect((await get(port, '/sub/')).status).toBe(200);
  });
});

describe('do_HEAD (Python do_HEAD)', () => {
  it.for(['/hello.txt', '/big.bin', '/', '/sub/', '/app.js'])('HEAD %s = GET headers, no body', async (path) => {
    const { port } = await start();
    const head = await get(port, path, {}, 'HEAD');
    const full = await get(port, path);
    expect(head.status).toBe(full.status);
    expect(head.body.length).toBe(0);
    for (const name of ['content-type', 'content-length', 'etag', 'last-modified', 'accept-ranges']) {
      expect(head.headers[name], name).toBe(full.headers[name]);
    }
  });

  it('keeps the connection for the next request after HEAD and after 304', async () => {
    const { port } = await start();
    const text = await raw(
      port,
      'HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' +
        `GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: ${OLD_MTIME.toUTCString()}\r\n\r\n` +
        'GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect([...text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1])).toEqual(['200', '304', '200']);
    expect(text.endsWith('hello, world\n')).toBe(true);
  });
});

describe('SimpleHTTPRequestHandler.configure (functools.partial)', () => {
  it('returns a subclass with the fields set, overridable by a further subclass', async () => {
    const Configured = SimpleHTTPRequestHandler.configure({
      directory: join(fixture.root, 'sub'),
      indexPages: ['index.htm'],
    });
    expect(Object.getPrototypeOf(Configured)).toBe(SimpleHTTPRequestHandler);
    const { port } = await start({ Handler: Configured, directory: join(fixture.root, 'sub') });
    expect((await get(port, '/')).body.toString()).toBe('<p>sub index</p>\n');
  });

  it('sets the fields a subclass adds when called on that subclass', async () => {
    class Greeting extends SimpleHTTPRequestHandler {
      greeting = 'hello';
      override async do_GET(): Promise<void> {
        const body = Buffer.from(this.greeting);
        this.sendResponse(200);
        this.sendHeader('Content-Length', String(body.length));
        this.endHeaders();
        await this.wfile.write(body);
      }
    }
    const Configured = Greeting.configure({ greeting: 'bonjour', protocolVersion: 'HTTP/1.1' });
    expect(Object.getPrototypeOf(Configured)).toBe(Greeting);
    const { port } = await start({ Handler: Configured });
    expect((await get(port, '/')).body.toString()).toBe('bonjour');
  });

  it('uses extensionsMap before the database, and guessType can be overridden', async () => {
    class Typed extends SimpleHTTPRequestHandler {
      override extensionsMap: Record<string, string> = { '.gz': 'application/gzip', '.txt': 'text/x-custom' };
      override guessType(path: string): string {
        return path.endsWith('.html') ? 'text/x-overridden' : super.guessType(path);
      }
    }
    const { port } = await start({ Handler: Typed });
    expect((await get(port, '/hello.txt')).headers['content-type']).toBe('text/x-custom');
    expect((await get(port, '/page.html')).headers['content-type']).toBe('text/x-overridden');
    expect((await get(port, '/archive.tar.gz')).headers['content-type']).toBe('application/gzip');
    expect((await get(port, '/archive.tar.gz')).headers['content-encoding']).toBeUndefined();
  });

  it('defaults directory to the working directory', () => {
    const handler = Object.create(SimpleHTTPRequestHandler.prototype) as SimpleHTTPRequestHandler;
    expect(new (class extends SimpleHTTPRequestHandler {})({} as never, ['127.0.0.1', 1], {} as never).directory).toBe(
      process.cwd(),
    );
    expect(handler).toBeInstanceOf(SimpleHTTPRequestHandler);
  });
});

describe('many clients at once', () => {
  it('answers 60 concurrent requests for small, large and ranged files correctly', async () => {
    const { port } = await start();
    const big = bigBytes();
    const jobs = Array.from({ length: 60 }, async (_, i) => {
      if (i % 3 === 0) return (await get(port, '/big.bin')).body.equals(big);
      if (i % 3 === 1)
        return (await get(port, '/big.bin', { range: `bytes=${i * 1000}-${i * 1000 + 99_999}` })).body.equals(
          big.subarray(i * 1000, i * 1000 + 100_000),
        );
      return (await get(port, '/hello.txt')).body.toString() === 'hello, world\n';
    });
    expect(await Promise.all(jobs)).toEqual(Array.from({ length: 60 }, () => true));
  });
});

describe('HTTP/0.9 and HTTP/1.0', () => {
  it('answers an HTTP/0.9 simple request with the bare body', async () => {
    const { port } = await start();
    expect(await raw(port, 'GET /hello.txt\r\n')).toBe('hello, world\n');
  });

  it('answers HTTP/1.0 and closes, as Python', async () => {
    const { port } = await start({ protocolVersion: 'HTTP/1.0' });
    const text = await raw(port, 'GET /hello.txt HTTP/1.0\r\n\r\n');
    expect(text.startsWith('HTTP/1.0 200 OK\r\n')).toBe(true);
    expect(text.endsWith('\r\n\r\nhello, world\n')).toBe(true);
  });
});

describe('other methods', () => {
  it('answers 501 to POST as Python does', async () => {
    const { port } = await start();
    const text = await raw(
      port,
      'POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(text)).toBe(501);
  });
});
