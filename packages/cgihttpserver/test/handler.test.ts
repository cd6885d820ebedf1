// CGIHTTPRequestHandler end to end: real scripts (sh, Perl, Python) over real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { exchange, makeFixture, PERL, PYTHON, serve, until, type Fixture, type Running } from './helpers.js';

let fixture: Fixture;
let running: Running;
beforeAll(async () => {
  fixture = makeFixture();
  running = await serve(fixture.root, { cgiEnv: { PID_DIR: fixture.pidDir } });
});
afterAll(async () => {
  await running?.close();
  fixture?.remove();
});

if (!PERL) console.warn('perl not found: the Perl CGI test is skipped');
if (!PYTHON) console.warn('python3 not found: the Python CGI test is skipped');

describe('CGIHTTPRequestHandler.runCGI (run_cgi) with real scripts', () => {
  it('runs a shell script for GET', async () => {
    const response = await fetch(`${running.url}/cgi-bin/hello.sh`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('hello from sh\n');
  });

  it.skipIf(!PERL)('runs a Perl script with a query and a POST body', async () => {
    const response = await fetch(`${running.url}/cgi-bin/hello.pl?name=x`, { method: 'POST', body: 'abc' });
    expect(await response.text()).toBe('perl q=name=x body=abc\n');
  });

  it.skipIf(!PYTHON)('runs a Python script; its Status header sets the status', async () => {
    const response = await fetch(`${running.url}/cgi-bin/hello.py?a=1`, { method: 'POST', body: 'payload' });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made');
    expect(await response.text()).toBe('python POST a=1 payload\n');
  });

  it('HEAD runs the script but sends no body', async () => {
    const response = await fetch(`${running.url}/cgi-bin/hello.sh`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('');
  });

  it('serves paths outside the CGI directories as static files', async () => {
    const response = await fetch(`${running.url}/static.txt`);
    expect(await response.text()).toBe('static file\n');
  });

  it('answers POST to a non-script with 501', async () => {
    const response = await fetch(`${running.url}/static.txt`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(501);
  });

  it('walks sub-directories and passes the rest as PATH_INFO', async () => {
    const response = await fetch(`${running.url}/cgi-bin/sub/deep.sh/more/path`);
    expect(await response.text()).toBe('deep /more/path\n');
  });
});

describe('script response headers (RFC 3875 §6)', () => {
  it.for([
    { name: 'Status sets status and reason', script: 'status.sh', status: 404, body: 'gone\n' },
    { name: 'local Location is served by the server', script: 'local.sh', status: 200, body: 'static file\n' },
    { name: 'a local redirect loop ends in 500', script: 'loop.sh', status: 500, body: undefined },
    { name: 'malformed header block is a 500', script: 'bad.sh', status: 500, body: undefined },
    { name: 'a CR inside a header value is a 500, never forwarded', script: 'split.sh', status: 500, body: undefined },
    { name: 'a header block over the limit is a 500', script: 'huge-head.sh', status: 500, body: undefined },
    { name: 'exit non-zero before headers is a 500', script: 'fail.sh', status: 500, body: undefined },
    { name: 'Content-Length from the script frames the body', script: 'length.sh', status: 200, body: 'sized\n' },
  ])('$name', async ({ script, status, body }) => {
    const response = await fetch(`${running.url}/cgi-bin/${script}`, { redirect: 'manual' });
    expect(response.status).toBe(status);
    const text = await response.text();
    if (body !== undefined) expect(text).toBe(body);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('an absolute Location is a 302 to the client', async () => {
    const response = await fetch(`${running.url}/cgi-bin/client.sh`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://example.invalid/elsewhere');
  });

  it('logs a malformed block and the script stderr', async () => {
    await (await fetch(`${running.url}/cgi-bin/fail.sh`)).text();
    // stderr and the exit status come over the helper's channel, maybe after the response
    expect(await until(() => running.log.some((line) => line.includes('something broke')))).toBe(true);
    expect(await until(() => running.log.some((line) => line.includes('fail.sh exit status 0x3')))).toBe(true);
    expect(running.log.some((line) => line.includes('fail.sh: bad response: no output'))).toBe(true);
  });

  it('an nph- script writes the whole response itself', async () => {
    const raw = await exchange(running.port, 'GET /cgi-bin/nph-raw.sh HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(raw).toBe('HTTP/1.0 299 Raw Status\r\nContent-Type: text/plain\r\nX-Nph: yes\r\n\r\nraw body\n');
  });

  it.for(['cgi-bin/hello.sh', 'cgi-bin/../cgi-bin/hello.sh', '*'])(
    'refuses the target %s (no leading slash) with 400, as the static layer does',
    async (target) => {
      const raw = await exchange(running.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(raw).toMatch(/^HTTP\/1\.1 400 /);
      expect(raw).not.toContain('hello from sh');
    },
  );

  it('a script failing after its headers leaves the response it began', async () => {
    const response = await fetch(`${running.url}/cgi-bin/fail-late.sh`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('partial\n');
  });
});

describe('bodies and framing', () => {
  it('streams output chunked under HTTP/1.1 keep-alive, and keeps the connection', async () => {
    const raw = await exchange(
      running.port,
      'GET /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const responses = raw.split('HTTP/1.1 200 OK').slice(1);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toContain('Transfer-Encoding: chunked\r\n');
    expect(responses[0]).toContain('\r\n\r\ne\r\nhello from sh\n\r\n0\r\n\r\n');
  });

  it('closes the connection to delimit the body for an HTTP/1.0 client', async () => {
    const raw = await exchange(running.port, 'GET /cgi-bin/hello.sh HTTP/1.0\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).not.toContain('Transfer-Encoding');
    expect(raw.endsWith('\r\n\r\nhello from sh\n')).toBe(true);
  });

  it('decodes a chunked request body and gives the script CONTENT_LENGTH', async () => {
    const raw = await exchange(
      running.port,
      'POST /cgi-bin/echo.sh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    expect(raw).toContain('X-Length: 11\r\n');
    expect(raw).toContain('hello world');
  });

  it('buffers a large chunked body in a temp file and streams it to the script', async () => {
    const size = 3 * 1024 * 1024 + 5;
    const payload = Buffer.alloc(size, 0x61);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < size; at += 65536) controller.enqueue(payload.subarray(at, Math.min(size, at + 65536)));
        controller.close();
      },
    });
    const response = await fetch(`${running.url}/cgi-bin/echo.sh`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.headers.get('x-length')).toBe(String(size));
    const echoed = Buffer.from(await response.arrayBuffer());
    expect(echoed.length).toBe(size);
    expect(echoed.equals(payload)).toBe(true);
  });

  it('streams a large Content-Length body through and back', async () => {
    const payload = Buffer.alloc(5 * 1024 * 1024, 0x62);
    const response = await fetch(`${running.url}/cgi-bin/echo.sh`, { method: 'POST', body: payload });
    expect(response.headers.get('x-length')).toBe(String(payload.length));
    expect(Buffer.from(await response.arrayBuffer()).equals(payload)).toBe(true);
  });

  it('relays large output in full', async () => {
    const response = await fetch(`${running.url}/cgi-bin/big.sh`);
    expect((await response.arrayBuffer()).byteLength).toBe(8_000_000);
  });

  it('applies backpressure: a client that does not read holds the script back', async () => {
    const socket = connect(running.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.pause();
    socket.write('GET /cgi-bin/flood.sh?flood HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const done = join(fixture.pidDir, 'flood.done');
    // 64 MiB cannot fit in socket buffers: if the script finishes, the server buffered it.
    expect(await until(() => existsSync(done), 1000)).toBe(false);
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.resume();
    await once(socket, 'close');
    expect(received).toBeGreaterThan(64 * 1024 * 1024);
    expect(existsSync(done)).toBe(true);
  });

  it('refuses a declared body over maxBodySize with 413 before running the script', async () => {
    const small = await serve(fixture.root, { maxBodySize: 10 });
    try {
      const response = await fetch(`${small.url}/cgi-bin/echo.sh`, { method: 'POST', body: 'x'.repeat(11) });
      expect(response.status).toBe(413);
    } finally {
      await small.close();
    }
  });
});

describe.for(['helper', 'node-helper', 'direct'] as const)('the same scripts with spawnMode %s', (spawnMode) => {
  let mode: Running;
  beforeAll(async () => {
    mode = await serve(fixture.root, { spawnMode });
  });
  afterAll(async () => {
    await mode?.close();
  });

  it('runs GET, POST with a body, status, and logs stderr and the exit status', async () => {
    const hello = await fetch(`${mode.url}/cgi-bin/hello.sh`);
    expect([hello.status, await hello.text()]).toEqual([200, 'hello from sh\n']);
    const payload = Buffer.alloc(300_000, 'x');
    const echoed = await fetch(`${mode.url}/cgi-bin/echo.sh`, { method: 'POST', body: payload });
    expect((await echoed.arrayBuffer()).byteLength).toBe(payload.length);
    expect((await fetch(`${mode.url}/cgi-bin/status.sh`)).status).toBe(404);
    expect((await fetch(`${mode.url}/cgi-bin/fail.sh`)).status).toBe(500);
    expect(await until(() => mode.log.some((line) => line.includes('fail.sh: something broke')))).toBe(true);
    expect(await until(() => mode.log.some((line) => line.includes('fail.sh exit status 0x3')))).toBe(true);
  });
});
