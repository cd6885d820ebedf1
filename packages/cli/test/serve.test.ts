// The real bin serving a folder: addresses, protocol versions, logs, Unix sockets, port in use.
import * as http from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get, layerReady, runCli, startCli, tempDir, waitFor } from './helpers.js';

const SITE = join(import.meta.dirname, 'fixtures', 'site');
const ready =
  (await layerReady('@httpstack/basehttpserver', 'HTTPServer')) &&
  (await layerReady('@httpstack/simplehttpserver', 'SimpleHTTPRequestHandler'));

describe.skipIf(!ready)('httpstack serving a folder (python -m http.server)', () => {
  it("serves files and the index page, and logs in Python's format", async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '0']);
    expect(cli.stdout()).toBe(`Serving HTTP on 127.0.0.1 port ${cli.port} (http://127.0.0.1:${cli.port}/) ...\n`);
    const file = await get(`${cli.url}hello.txt`);
    expect(file.status).toBe(200);
    expect(file.body).toBe('hello from httpstack\n');
    const index = await get(cli.url);
    expect(index.body).toContain('index page');
    await waitFor(
      cli.child,
      cli.stderr,
      /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] "GET \/hello.txt HTTP\/1.1" 200 (-|21)$/m,
    );
  });

  it('serves the working directory by default', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '0'], { cwd: join(SITE, 'sub') });
    expect((await get(`${cli.url}nested.txt`)).body).toBe('nested\n');
  });

  it('binds ::1 with --bind ::1', async () => {
    const cli = await startCli(['--bind', '::1', '-d', SITE, '0']);
    expect(cli.stdout()).toBe(`Serving HTTP on ::1 port ${cli.port} (http://[::1]:${cli.port}/) ...\n`);
    expect((await get(`${cli.url}hello.txt`)).status).toBe(200);
  });

  it.for([
    { bind: '127.0.0.1', hosts: ['127.0.0.1'] },
    { bind: '[::1]', hosts: ['::1'] },
    { bind: 'localhost', hosts: ['127.0.0.1', '::1'] },
  ])('--bind $bind prints the address it bound, as Python does', async ({ bind, hosts }) => {
    const cli = await startCli(['--bind', bind, '-d', SITE, '0']);
    expect(hosts).toContain(cli.host);
    expect(cli.stdout()).not.toMatch(/^(Local|Network): /m); // a loopback URL needs no hint
    expect((await get(`${cli.url}hello.txt`)).status).toBe(200);
  });

  // The default binds every interface: tests stay on loopback unless asked (HTTPSTACK_TEST_WILDCARD=1).
  const wildcard = process.env.HTTPSTACK_TEST_WILDCARD === '1';
  if (!wildcard)
    console.warn('skipping the default-bind (all interfaces) test: set HTTPSTACK_TEST_WILDCARD=1 to run it');
  it.skipIf(!wildcard)('binds all interfaces, IPv4 and IPv6, by default, and prints a URL to open', async () => {
    const cli = await startCli(['-d', SITE, '0']);
    expect(cli.stdout()).toMatch(/^Serving HTTP on (::|0\.0\.0\.0) port \d+ /);
    expect(cli.stdout()).toMatch(/^Local: {3}http:\/\/localhost:\d+\/ /m);
    for (const line of cli
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('Network: '))) {
      expect(line).toMatch(/^Network: http:\/\/\d+\.\d+\.\d+\.\d+:\d+\/$/); // one URL per line, no colour codes
    }
    expect((await get(`http://127.0.0.1:${cli.port}/hello.txt`)).status).toBe(200);
    if (cli.host === '::') expect((await get(`http://[::1]:${cli.port}/hello.txt`)).status).toBe(200);
  });

  it("answers HTTP/1.0 and closes each connection by default (Python's protocol_version)", async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '0']);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(`${cli.url}hello.txt`, { agent });
      const second = await get(`${cli.url}hello.txt`, { agent });
      expect(first.httpVersion).toBe('1.0');
      expect(second.reusedSocket).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('keeps the connection alive with --protocol HTTP/1.1 (same socket for two requests)', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--protocol', 'HTTP/1.1', '0']);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(`${cli.url}hello.txt`, { agent });
      const second = await get(`${cli.url}sub/nested.txt`, { agent });
      expect(first.httpVersion).toBe('1.1');
      expect([first.reusedSocket, second.reusedSocket]).toEqual([false, true]);
      expect(second.body).toBe('nested\n');
    } finally {
      agent.destroy();
    }
  });

  it('serves on a Unix socket with --bind unix:/path', async () => {
    const path = join(tempDir(), 'web.sock');
    const cli = await startCli(['--bind', `unix:${path}`, '-d', SITE]);
    expect(cli.stdout()).toContain(`Serving HTTP on unix:${path} ...`);
    const got = await get('http://localhost/hello.txt', { socketPath: path });
    expect(got.body).toBe('hello from httpstack\n');
  });

  it('writes JSON lines with --log-format json', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--log-format', 'json', '0']);
    await get(`${cli.url}hello.txt?x=1`);
    await get(`${cli.url}missing`);
    const [line] = await waitFor(cli.child, cli.stderr, /^\{.*"status":404.*\}$/m);
    const ok = JSON.parse(cli.stderr().split('\n')[0]!);
    expect(ok).toMatchObject({ client: '127.0.0.1', method: 'GET', path: '/hello.txt?x=1', status: 200 });
    expect(ok.bytes).toBeGreaterThan('hello from httpstack\n'.length);
    expect(ok.duration_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(ok.time)).not.toBeNaN();
    expect(JSON.parse(line)).toMatchObject({ path: '/missing', status: 404 });
  });

  it('logs nothing with --quiet', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--quiet', '0']);
    await get(`${cli.url}hello.txt`);
    expect((await get(`${cli.url}missing`)).status).toBe(404);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toBe('');
  });

  it('hides dotfiles by default, serves them with --dotfiles', async () => {
    const hidden = await startCli(['-b', '127.0.0.1', '-d', SITE, '0']);
    expect((await get(`${hidden.url}.hidden`)).status).toBe(404);
    const shown = await startCli(['-b', '127.0.0.1', '-d', SITE, '--dotfiles', '0']);
    expect((await get(`${shown.url}.hidden`)).body).toBe('secret\n');
    const again = await startCli(['-b', '127.0.0.1', '-d', SITE, '--no-dotfiles', '0']);
    expect((await get(`${again.url}.hidden`)).status).toBe(404);
  });

  it('sends CORS and Cache-Control headers with --cors and --cache', async () => {
    const plain = await startCli(['-b', '127.0.0.1', '-d', SITE, '0']);
    const before = await get(`${plain.url}hello.txt`);
    expect(before.headers['access-control-allow-origin']).toBeUndefined();
    expect(before.headers['cache-control']).not.toBe('max-age=600');
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--cors', '--cache', '600', '0']);
    const got = await get(`${cli.url}hello.txt`);
    expect(got.headers['access-control-allow-origin']).toBe('*');
    expect(got.headers['cache-control']).toBe('max-age=600');
  });

  it('answers client routes with --spa, drops .html with --clean-urls, and stops compressing with --no-compress', async () => {
    const plain = await startCli(['-b', '127.0.0.1', '-d', SITE, '0']);
    expect((await get(`${plain.url}app/route`)).status).toBe(404);
    expect((await get(`${plain.url}index.html`)).status).toBe(200);
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--spa', '--clean-urls', '--no-compress', '0']);
    const route = await get(`${cli.url}app/route`, { headers: { accept: 'text/html', 'accept-encoding': 'br, gzip' } });
    expect(route.status).toBe(200);
    expect(route.body).toContain('index page');
    expect(route.headers['content-encoding']).toBeUndefined();
    expect((await get(`${cli.url}missing.js`)).status).toBe(404);
    const clean = await get(`${cli.url}index.html`);
    expect(clean.status).toBe(301);
    expect(clean.headers.location).toBe('/');
  });

  it('answers a CORS preflight with --cors', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--cors', '0']);
    const preflight = await get(`${cli.url}hello.txt`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://a.test',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-a',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toBe('x-a');
  });

  it('says clearly when the port is in use (exit 1)', async () => {
    const first = await startCli(['-b', '127.0.0.1', '-d', SITE, '0']);
    const { code, stderr, stdout } = await runCli(['-b', '127.0.0.1', '-d', SITE, String(first.port)]);
    expect(stderr).toBe(
      `httpstack: error: port ${first.port} on 127.0.0.1 is already in use (is another server running? pick another port, or 0 for any free one)\n`,
    );
    expect(stdout).toBe('');
    expect(code).toBe(1);
  });
});
