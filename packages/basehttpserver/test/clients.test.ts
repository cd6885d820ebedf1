// Real clients against the server: fetch (undici), curl, python3 http.client, node:https.
import { spawnSync, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HTTPSServer, HTTPServer } from '../src/index.js';
import { EchoHandler, QuietHandler, serve, rsaCertificate } from './helpers.js';

const has = (command: string, args: string[]) => spawnSync(command, args).status === 0;
const hasCurl = has('curl', ['--version']);
const hasPython = has('python3', ['--version']);
const hasOpenssl = has('openssl', ['version']);
for (const [name, present] of [
  ['curl', hasCurl],
  ['python3', hasPython],
  ['openssl', hasOpenssl],
] as const) {
  if (!present) console.warn(`${name} not found: its client tests are skipped`);
}

function run(
  command: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

describe('fetch (undici)', () => {
  it('GET with headers, POST with a body', async () => {
    const { port } = await serve(EchoHandler);
    const base = `http://127.0.0.1:${port}`;
    const got = (await (await fetch(`${base}/a?b=1`, { headers: { 'X-Test': 'yes' } })).json()) as Record<string, any>;
    expect(got).toMatchObject({ command: 'GET', path: '/a?b=1', requestVersion: 'HTTP/1.1' });
    expect(got.headers.map(([name, value]: [string, string]) => [name.toLowerCase(), value])).toContainEqual([
      'x-test',
      'yes',
    ]);
    const posted = (await (await fetch(`${base}/p`, { method: 'POST', body: 'hello world' })).json()) as Record<
      string,
      any
    >;
    expect(posted.body).toBe('hello world');
  });

  it('a streamed (chunked) request body', async () => {
    const { port } = await serve(EchoHandler);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of ['one ', 'two ', 'three']) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });
    const response = await fetch(`http://127.0.0.1:${port}/s`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(((await response.json()) as Record<string, any>).body).toBe('one two three');
  });

  it('sendError pages: status, content type, length, Connection: close', async () => {
    class NotFound extends QuietHandler {
      do_GET(): void {
        this.sendError(404, 'No <such> thing', 'It & its friends are gone');
      }
    }
    const { port } = await serve(NotFound);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('text/html;charset=utf-8');
    expect(response.headers.get('connection')).toBe('close');
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(text).toContain('<p>Message: No &lt;such&gt; thing.</p>');
    expect(text).toContain('<p>Error code explanation: 404 - It &amp; its friends are gone.</p>');
  });
});

describe.skipIf(!hasCurl)('curl', () => {
  it('GET and POST over one keep-alive connection', async () => {
    const { port } = await serve(EchoHandler);
    const url = `http://127.0.0.1:${port}`;
    const { code, stdout, stderr } = await run('curl', [
      '-sS',
      '-v',
      `${url}/one`,
      '--next',
      '-sS',
      '-d',
      'data=1',
      `${url}/two`,
    ]);
    expect(code, stderr).toBe(0);
    const [first, second] = stdout.split('}{').map((part, i) => JSON.parse(i === 0 ? `${part}}` : `{${part}`));
    expect(first).toMatchObject({ command: 'GET', path: '/one' });
    expect(second).toMatchObject({ command: 'POST', path: '/two', body: 'data=1' });
    expect(stderr).toMatch(/Re-using existing connection|Reusing existing connection/);
  });

  it('HTTP/1.0 and HEAD', async () => {
    const { port } = await serve(EchoHandler);
    const { stdout } = await run('curl', ['-sS', '-0', '-I', `http://127.0.0.1:${port}/h`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(stdout).toMatch(/\r\nContent-Type: application\/json\r\n/);
  });
});

describe.skipIf(!hasPython)('python3 http.client', () => {
  it('reads a chunked-free keep-alive exchange and posts a body', async () => {
    const { port } = await serve(EchoHandler);
    const script = [
      'import http.client, json, sys',
      `c = http.client.HTTPConnection("127.0.0.1", ${port})`,
      'c.request("GET", "/x")',
      'r = c.getresponse(); a = json.loads(r.read())',
      'c.request("POST", "/y", body=b"abc", headers={"Content-Type": "text/plain"})',
      'r = c.getresponse(); b = json.loads(r.read())',
      'print(json.dumps([a["path"], b["body"], r.getheader("Server")]))',
    ].join('\n');
    const { code, stdout, stderr } = await run('python3', ['-c', script]);
    expect(code, stderr).toBe(0);
    const [path, body, server] = JSON.parse(stdout);
    expect([path, body]).toEqual(['/x', 'abc']);
    expect(server).toMatch(/^BaseHTTP\/0\.6 Node\.js\/\d+/);
  });
});

describe.skipIf(!hasOpenssl)('HTTPSServer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'basehttpserver-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves over TLS with the tls option', async () => {
    const tls = rsaCertificate(dir);
    const { port } = await serve(EchoHandler, { tls }, HTTPSServer);
    const body = await new Promise<string>((resolve, reject) => {
      const request = httpsRequest(
        { host: '127.0.0.1', port, path: '/secure', method: 'POST', ca: tls.cert, servername: 'localhost' },
        (response) => {
          let text = '';
          response
            .setEncoding('utf8')
            .on('data', (data: string) => (text += data))
            .on('end', () => resolve(text));
        },
      );
      request.on('error', reject);
      request.end('over tls');
    });
    expect(JSON.parse(body)).toMatchObject({ path: '/secure', body: 'over tls' });
  });

  it('refuses to bind without tls', async () => {
    const server = new HTTPSServer(['127.0.0.1', 0], EchoHandler);
    await expect(server.serverBind()).rejects.toThrow(TypeError);
  });
});

describe('HTTPServer (http.server.HTTPServer)', () => {
  it('sets serverName and serverPort after binding', async () => {
    const { server, port } = await serve(EchoHandler);
    expect(server).toBeInstanceOf(HTTPServer);
    expect(server.serverPort).toBe(port);
    expect(server.serverName.length).toBeGreaterThan(0);
  });
});
