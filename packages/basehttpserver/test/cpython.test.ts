// CPython's test_httpservers.py cases for BaseHTTPRequestHandler, re-expressed.
// Where we are stricter the expectation differs, with the reason (see docs/python-mapping.md).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RequestHandlerClass } from '@httpstack/socketserver';
import { BaseHTTPRequestHandler, HTTPStatus } from '../src/index.js';
import { serveInMemory } from '../src/testing.js';
import { QuietHandler, exchange, logs, parseResponses, serve } from './helpers.js';

const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython) console.warn('python3 not found: the http.client cases are skipped');

/** The request_handler of CPython's BaseHTTPServerTestCase. */
class CPythonHandler extends QuietHandler {
  override protocolVersion = 'HTTP/1.1';
  override defaultRequestVersion = 'HTTP/1.1';

  do_TEST(): void {
    this.sendResponse(HTTPStatus.NO_CONTENT);
    this.sendHeader('Content-Type', 'text/html');
    this.sendHeader('Connection', 'close');
    this.endHeaders();
  }

  do_KEEP(): void {
    this.sendResponse(HTTPStatus.NO_CONTENT);
    this.sendHeader('Content-Type', 'text/html');
    this.sendHeader('Connection', 'keep-alive');
    this.endHeaders();
  }

  do_KEYERROR(): void {
    this.sendError(999);
  }

  do_NOTFOUND(): void {
    this.sendError(HTTPStatus.NOT_FOUND);
  }

  do_EXPLAINERROR(): void {
    this.sendError(999, 'Short Message', 'This is a long \n explanation');
  }

  do_CUSTOM(): void {
    this.sendResponse(999);
    this.sendHeader('Content-Type', 'text/html');
    this.sendHeader('Connection', 'close');
    this.endHeaders();
  }

  async do_LATINONEHEADER(): Promise<void> {
    this.sendResponse(999);
    this.sendHeader('X-Special', 'Dängerous Mind');
    this.sendHeader('Connection', 'close');
    this.endHeaders();
    await this.wfile.write(Buffer.from(this.headers.get('x-special-incoming')!, 'utf8'));
  }

  do_SEND_ERROR(): void {
    this.sendError(Number(this.path.slice(1)));
  }

  do_HEAD(): void {
    this.sendError(Number(this.path.slice(1)));
  }
}

describe('test_httpservers.BaseHTTPServerTestCase (python3 http.client against our server)', () => {
  it.skipIf(!hasPython)('passes every case', async () => {
    const { port } = await serve(CPythonHandler);
    const script = fileURLToPath(new URL('./fixtures/cpython_base_http_server.py', import.meta.url));
    const child = spawn('python3', [script, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(output).toMatch(/Ran 2\d tests/);
    expect(code, output).toBe(0);
  });
});

/** The SocketlessRequestHandler of CPython's tests: do_GET writes a small page. */
class Typical extends QuietHandler {
  override protocolVersion = 'HTTP/1.1';

  async do_GET(): Promise<void> {
    typicalCalls.push({
      requestline: this.requestline,
      command: this.command,
      path: this.path,
      requestVersion: this.requestVersion,
      headers: [...this.headers],
    });
    this.sendResponse(HTTPStatus.OK);
    this.sendHeader('Content-Type', 'text/html');
    this.sendHeader('Content-Length', 32);
    this.endHeaders();
    await this.wfile.write('<html><body>Data</body></html>\r\n');
  }
}
const typicalCalls: Array<Record<string, unknown>> = [];

/** As CPython's `SocketlessRequestHandler`: the handler over an in-memory connection. */
async function sendTypical(raw: string, Handler: RequestHandlerClass = Typical): Promise<string> {
  typicalCalls.length = 0;
  return (await serveInMemory(Handler, Buffer.from(raw, 'latin1'))).raw.toString('latin1');
}

describe('test_httpservers.BaseHTTPRequestHandlerTestCase (socketless, @httpstack/basehttpserver/testing)', () => {
  it('test_http_1_1 (with Host: we require it on HTTP/1.1)', async () => {
    const result = await sendTypical('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(result).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    for (const name of ['Server', 'Date', 'Content-Type']) expect(result.split(`\r\n${name}: `)).toHaveLength(2);
    expect(result.endsWith('<html><body>Data</body></html>\r\n')).toBe(true);
    expect(typicalCalls).toEqual([
      {
        requestline: 'GET / HTTP/1.1',
        command: 'GET',
        path: '/',
        requestVersion: 'HTTP/1.1',
        headers: [['Host', 'x']],
      },
    ]);
  });

  it('test_http_1_1 without Host → 400 (stricter than Python)', async () => {
    const [response] = parseResponses(await sendTypical('GET / HTTP/1.1\r\n\r\n'));
    expect(response!.status).toBe(400);
    expect(typicalCalls).toEqual([]);
  });

  it('test_http_1_0', async () => {
    const result = await sendTypical('GET / HTTP/1.0\r\n\r\n');
    expect(result).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(typicalCalls[0]).toEqual({
      requestline: 'GET / HTTP/1.0',
      command: 'GET',
      path: '/',
      requestVersion: 'HTTP/1.0',
      headers: [],
    });
  });

  it('test_http_0_9: "GET / HTTP/0.9" is not a simple request → 505 (Python runs do_GET)', async () => {
    const [response] = parseResponses(await sendTypical('GET / HTTP/0.9\r\n\r\n'));
    expect(response!.status).toBe(505);
    expect(typicalCalls).toEqual([]);
  });

  it('test_extra_space', async () => {
    const [response] = parseResponses(await sendTypical('GET /spaced out HTTP/1.1\r\nHost: dummy\r\n\r\n'));
    expect(response!.version).toBe('HTTP/1.1');
    expect(response!.status).toBe(400);
    for (const name of ['Server', 'Date', 'Content-Type']) expect(response!.header(name)).toBeDefined();
    expect(typicalCalls).toEqual([]);
  });

  it('test_with_continue_1_0', async () => {
    const result = await sendTypical('GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n');
    expect(result).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(typicalCalls[0]!.headers).toEqual([['Expect', '100-continue']]);
  });

  it('test_with_continue_1_1 / test_header_unbuffered_when_continue', async () => {
    const result = await sendTypical('GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n');
    const lines = result.split('\r\n');
    expect(lines.slice(0, 3)).toEqual(['HTTP/1.1 100 Continue', '', 'HTTP/1.1 200 OK']);
    expect(typicalCalls[0]!.headers).toEqual([
      ['Host', 'x'],
      ['Expect', '100-continue'],
    ]);
  });

  it('test_with_continue_rejected', async () => {
    class Rejecting extends Typical {
      override handleExpect100(): boolean {
        this.sendError(HTTPStatus.EXPECTATION_FAILED);
        return false;
      }
    }
    const result = await sendTypical('GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n', Rejecting);
    expect(result.startsWith('HTTP/1.1 417 Expectation Failed\r\n')).toBe(true);
    expect(result.split('\r\nConnection: close\r\n')).toHaveLength(2);
    expect(typicalCalls).toEqual([]);
  });

  it.for([
    { name: 'test_header_buffering_of_send_error', act: (h: BaseHTTPRequestHandler) => h.sendError(418), writes: 2 },
    {
      name: 'test_header_buffering_of_send_response_only',
      act: (h: BaseHTTPRequestHandler) => h.sendResponseOnly(418),
      writes: 0,
    },
    {
      name: 'test_header_buffering_of_send_header',
      act: (h: BaseHTTPRequestHandler) => (h.sendHeader('Foo', 'foo'), h.sendHeader('bar', 'bar')),
      writes: 0,
    },
  ])('$name', async ({ act, writes }) => {
    const counts: number[] = [];
    class Counting extends QuietHandler {
      async do_GET(): Promise<void> {
        let n = 0;
        const write = this.wfile.write.bind(this.wfile);
        this.wfile.write = (chunk, encoding) => (n++, write(chunk, encoding));
        act(this);
        counts.push(n);
        if (writes === 0) {
          this.endHeaders();
          counts.push(n);
        }
      }
    }
    const result = await sendTypical('GET / HTTP/1.0\r\n\r\n', Counting);
    expect(counts).toEqual(writes === 0 ? [0, 1] : [writes]);
    if (writes === 0 && result.startsWith('Foo')) expect(result).toBe('Foo: foo\r\nbar: bar\r\n\r\n');
  });

  it('test_request_length', async () => {
    const [response] = parseResponses(await sendTypical(`GET ${'x'.repeat(65537)}`));
    expect(`${response!.version} ${response!.status} ${response!.reason}`).toBe('HTTP/1.1 414 Request-URI Too Long');
  });

  it('test_header_length', async () => {
    const [response] = parseResponses(await sendTypical(`GET / HTTP/1.1\r\nX-Foo: bar${'r'.repeat(65537)}\r\n\r\n`));
    expect(`${response!.status} ${response!.reason}`).toBe('431 Line too long');
  });

  it('test_too_many_headers', async () => {
    const [response] = parseResponses(await sendTypical(`GET / HTTP/1.1\r\n${'X-Foo: bar\r\n'.repeat(101)}\r\n`));
    expect(`${response!.status} ${response!.reason}`).toBe('431 Too many headers');
  });

  it('test_html_escape_on_error', async () => {
    const result = await sendTypical('<script>alert("hello")</script> / HTTP/1.1\r\n\r\n');
    const [response] = parseResponses(result);
    expect(response!.body).toContain('&lt;script&gt;alert("hello")&lt;/script&gt;');
    expect(response!.body).not.toContain('<script>');
  });

  it('test_close_connection: handle() calls handleOneRequest until closeConnection', async () => {
    const sequence = [false, false, true];
    let calls = 0;
    class Scripted extends QuietHandler {
      override async handleOneRequest(): Promise<void> {
        this.closeConnection = sequence[calls++]!;
      }
    }
    await sendTypical('x', Scripted);
    expect(calls).toBe(3);
  });

  it('test_date_time_string', () => {
    const handler = Object.create(BaseHTTPRequestHandler.prototype) as BaseHTTPRequestHandler;
    expect(handler.dateTimeString(784111777000)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(handler.dateTimeString(new Date(784111777000))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(handler.dateTimeString()).toBe(new Date().toUTCString());
  });

  it('test_unprintable_not_logged', () => {
    const handler = Object.create(BaseHTTPRequestHandler.prototype) as BaseHTTPRequestHandler;
    handler.clientAddress = ['127.0.0.1', 1337];
    let stderr = '';
    const write = process.stderr.write;
    process.stderr.write = ((text: string) => ((stderr += text), true)) as typeof process.stderr.write;
    try {
      handler.logMessage('/foo');
      handler.logMessage('/\x1bbar\0\x1b');
      handler.logMessage('/spam %s.', 'a');
      handler.logMessage('/spam %s.', '\x1b\x7f\x9f\xa0beans');
      handler.logMessage('"GET /foo\\b"ar\x07 HTTP/1.0"');
    } finally {
      process.stderr.write = write;
    }
    expect(stderr).not.toContain('\x1b');
    expect(stderr).not.toContain('\0');
    const lines = stderr.split('\n');
    expect(lines[0]).toMatch(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] \/foo$/);
    expect(lines[1]).toContain('/\\x1bbar\\x00\\x1b');
    expect(lines[2]).toContain('/spam a.');
    expect(lines[3]).toContain('/spam \\x1b\\x7f\\x9f\xa0beans.');
    expect(lines[4]).toContain('"GET /foo\\\\b"ar\\x07 HTTP/1.0"');
  });
});

describe('test_httpservers.RequestHandlerLoggingTestCase', () => {
  class Logging extends QuietHandler {
    override protocolVersion = 'HTTP/1.1';
    override defaultRequestVersion = 'HTTP/1.1';
    do_GET(): void {
      this.sendResponse(HTTPStatus.OK);
      this.endHeaders();
    }
    do_ERROR(): void {
      this.sendError(HTTPStatus.NOT_FOUND, 'File not found');
    }
  }

  it('test_get', async () => {
    const { port } = await serve(Logging);
    await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(logs.at(-1)).toMatch(/"GET \/ HTTP\/1\.1" 200 -$/);
  });

  it('test_err (the size of the error page is logged: Python logs "-")', async () => {
    const { port } = await serve(Logging);
    await exchange(port, 'ERROR / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(logs[0]).toMatch(/code 404, message File not found$/);
    expect(logs[1]).toMatch(/"ERROR \/ HTTP\/1\.1" 404 \d+$/);
  });

  it('logs a refused request with its escaped request line', async () => {
    const { port } = await serve(Logging);
    await exchange(port, 'GET /\x1b[31m HTTP/1.1\r\n\r\n');
    expect(logs.at(-1)).toMatch(/^127\.0\.0\.1 - - \[.*\] "GET \/\\x1b\[31m HTTP\/1\.1" 400 \d+$/);
  });
});
