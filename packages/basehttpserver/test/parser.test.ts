// The strict request parser, as tables of raw bytes → status (and parsed fields), over a raw socket.
import { describe, expect, it } from 'vitest';
import { EchoHandler, exchange, parseResponses, sendAndWaitClose, serve } from './helpers.js';

const H = 'Host: example\r\n';

interface Row {
  name: string;
  raw: string;
  status: number;
  reason?: string;
}

// Every rule of RFC 9112 the parser enforces, each with its hostile bytes.
const refused: Row[] = [
  {
    name: 'CL with TE',
    raw: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'TE with CL',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'repeated equal CL',
    raw: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`,
    status: 400,
  },
  {
    name: 'differing CL',
    raw: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`,
    status: 400,
  },
  { name: 'CL list', raw: `POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`, status: 400 },
  { name: 'CL with sign', raw: `POST / HTTP/1.1\r\n${H}Content-Length: +3\r\n\r\nabc`, status: 400 },
  { name: 'CL hex', raw: `POST / HTTP/1.1\r\n${H}Content-Length: 0x3\r\n\r\nabc`, status: 400 },
  { name: 'CL empty', raw: `POST / HTTP/1.1\r\n${H}Content-Length: \r\n\r\n`, status: 400 },
  { name: 'CL huge', raw: `POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999\r\n\r\n`, status: 400 },
  { name: 'final coding gzip', raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`, status: 400 },
  { name: 'chunked, then gzip', raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`, status: 400 },
  {
    name: 'chunked twice',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'gzip, chunked (not implemented)',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
    status: 501,
  },
  { name: 'TE on HTTP/1.0', raw: `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400 },
  {
    name: 'target without a leading slash',
    raw: `GET tmpdir/test HTTP/1.1\r\n${H}\r\n`,
    status: 400,
    reason: "Bad request target ('tmpdir/test')",
  },
  { name: 'relative target with dots', raw: `GET ../etc/passwd HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'asterisk form on GET', raw: `GET * HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'scheme without //', raw: `GET http:x HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'relative simple request', raw: `GET nine\r\n`, status: 400 },
  {
    name: 'TE chunked with an empty list element (fuzz: llhttp refuses)',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked,\r\n\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'TE empty element before chunked',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: , chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'TE empty field then chunked',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'TE misspelt chunked',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunkedx\r\n\r\n0\r\n\r\n`,
    status: 400,
  },
  { name: 'obs-fold (SP)', raw: `GET / HTTP/1.1\r\n${H}X-A: 1\r\n 2\r\n\r\n`, status: 400 },
  { name: 'obs-fold (HTAB)', raw: `GET / HTTP/1.1\r\n${H}X-A: 1\r\n\t2\r\n\r\n`, status: 400 },
  {
    name: 'space before colon',
    raw: `GET / HTTP/1.1\r\n${H}Content-Length : 0\r\n\r\n`,
    status: 400,
    reason: 'Whitespace before colon in header',
  },
  { name: 'tab before colon', raw: `GET / HTTP/1.1\r\n${H}X-A\t: 1\r\n\r\n`, status: 400 },
  { name: 'invalid name char', raw: `GET / HTTP/1.1\r\n${H}X(A): 1\r\n\r\n`, status: 400 },
  { name: 'empty name', raw: `GET / HTTP/1.1\r\n${H}: 1\r\n\r\n`, status: 400 },
  { name: 'no colon', raw: `GET / HTTP/1.1\r\n${H}X-A 1\r\n\r\n`, status: 400 },
  { name: 'NUL in value', raw: `GET / HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n`, status: 400 },
  { name: 'bare CR in value', raw: `GET / HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`, status: 400 },
  { name: 'DEL in value', raw: `GET / HTTP/1.1\r\n${H}X-A: a\x7fb\r\n\r\n`, status: 400 },
  { name: 'ESC in value', raw: `GET / HTTP/1.1\r\n${H}X-A: a\x1bb\r\n\r\n`, status: 400 },
  { name: 'NUL in target', raw: `GET /a\0b HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'bare CR in request line', raw: `GET /a\rb HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'CTL in method', raw: `G\x01T / HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'two spaces', raw: `GET  / HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'space in target', raw: `GET /spaced out HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'trailing space', raw: `GET / HTTP/1.1 \r\n${H}\r\n`, status: 400 },
  { name: 'leading space', raw: ` GET / HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'tab separator', raw: `GET\t/ HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'one word', raw: `GET\r\n\r\n`, status: 400 },
  { name: 'four words', raw: `GET / HTTP/1.1 x\r\n${H}\r\n`, status: 400 },
  { name: 'lower-case version', raw: `GET / http/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'version 1.10', raw: `GET / HTTP/1.10\r\n${H}\r\n`, status: 400 },
  { name: 'version 01.1', raw: `GET / HTTP/01.1\r\n${H}\r\n`, status: 400 },
  { name: 'version signs', raw: `GET / HTTP/-9_9.+9\r\n${H}\r\n`, status: 400 },
  { name: 'version FUBAR', raw: `GET / FUBAR\r\n${H}\r\n`, status: 400 },
  { name: 'HTTP/2.0', raw: `GET / HTTP/2.0\r\n${H}\r\n`, status: 505 },
  { name: 'HTTP/9.9', raw: `GET / HTTP/9.9\r\n${H}\r\n`, status: 505 },
  { name: 'HTTP/0.9 spelt out', raw: `GET / HTTP/0.9\r\n\r\n`, status: 505 },
  { name: 'HTTP/1.1 without Host', raw: `GET / HTTP/1.1\r\n\r\n`, status: 400, reason: 'Missing Host header' },
  {
    name: 'HTTP/1.1 with two Hosts',
    raw: `GET / HTTP/1.1\r\n${H}${H}\r\n`,
    status: 400,
    reason: 'Repeated Host header',
  },
  { name: 'Host with a space', raw: `GET / HTTP/1.1\r\nHost: a b\r\n\r\n`, status: 400, reason: 'Invalid Host header' },
  { name: 'Host with a slash', raw: `GET / HTTP/1.1\r\nHost: a/b\r\n\r\n`, status: 400 },
  { name: 'Host with @ and obs-text', raw: `GET / HTTP/1.1\r\nHost: u@\xe9x\r\n\r\n`, status: 400 },
  { name: 'HTTP/1.0 with two Hosts', raw: `GET / HTTP/1.0\r\n${H}${H}\r\n`, status: 400 },
  { name: 'simple request not GET', raw: `POST /\r\n`, status: 400 },
  { name: 'unknown method', raw: `BREW / HTTP/1.1\r\n${H}\r\n`, status: 501 },
  {
    name: 'method with a quote is not a token',
    raw: `<script>alert("x")</script> / HTTP/1.1\r\n${H}\r\n`,
    status: 400,
  },
  { name: 'request line over 64 KiB', raw: `GET /${'a'.repeat(65536)} HTTP/1.1\r\n${H}\r\n`, status: 414 },
  { name: 'request line without end over 64 KiB', raw: `GET /${'a'.repeat(65600)}`, status: 414 },
  {
    name: 'header line over 64 KiB',
    raw: `GET / HTTP/1.1\r\n${H}X-Foo: ${'r'.repeat(65537)}\r\n\r\n`,
    status: 431,
    reason: 'Line too long',
  },
  {
    name: '101 header lines',
    raw: `GET / HTTP/1.1\r\n${H}${'X-Foo: bar\r\n'.repeat(100)}\r\n`,
    status: 431,
    reason: 'Too many headers',
  },
  {
    name: 'header block over 128 KiB',
    raw: `GET / HTTP/1.1\r\n${H}${`X-Foo: ${'b'.repeat(60000)}\r\n`.repeat(3)}\r\n`,
    status: 431,
  },
  { name: 'incomplete head at end of stream', raw: `GET / HTTP/1.1\r\n${H}`, status: 400 },
  {
    name: 'bad chunk size',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'chunk size with sign',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'chunk size overflow',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n10000000000000003\r\nabc\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'chunk data too long',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'chunk size line with bare LF',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'chunk data end with bare LF',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'chunk extension with CTL',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;a=\x01\r\nabc\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'chunked body cut short',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nab`,
    status: 400,
  },
  { name: 'CL body cut short', raw: `POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`, status: 400 },
  {
    name: 'invalid trailer',
    raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer\r\n\r\n`,
    status: 400,
  },
];

describe('BaseHTTPRequestHandler.parseRequest (parse_request): refused requests', () => {
  it.for(refused)('$name → $status', async ({ raw, status, reason }) => {
    const { port } = await serve(EchoHandler);
    const responses = parseResponses(await exchange(port, raw));
    expect(responses.length, 'one response, then the connection is closed').toBe(1);
    const [response] = responses;
    expect(response!.status).toBe(status);
    expect(response!.header('connection')).toBe('close');
    if (reason) expect(response!.reason).toBe(reason);
  });

  it.for(
    refused.filter(
      (row) =>
        row.status !== 501 &&
        !row.name.includes('end of stream') &&
        !row.name.includes('cut short') &&
        !row.name.includes('without end'),
    ),
  )('$name: the server closes the connection by itself', async ({ raw }) => {
    const { port } = await serve(EchoHandler);
    const received = await sendAndWaitClose(port, raw);
    expect(received).toMatch(/^HTTP\/1\.[01] [45]\d\d /);
  });
});

interface Accepted {
  name: string;
  raw: string;
  want: Record<string, unknown>;
}

const accepted: Accepted[] = [
  {
    name: 'Host IPv6 literal with port',
    raw: `GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n`,
    want: { headers: [['Host', '[::1]:8080']] },
  },
  {
    name: 'empty Host (RFC 9112 §3.2: allowed)',
    raw: `GET / HTTP/1.1\r\nHost:\r\n\r\n`,
    want: { headers: [['Host', '']] },
  },
  {
    name: 'origin form',
    raw: `GET /a?b=1 HTTP/1.1\r\n${H}\r\n`,
    want: { command: 'GET', path: '/a?b=1', requestVersion: 'HTTP/1.1', requestline: 'GET /a?b=1 HTTP/1.1' },
  },
  { name: 'HTTP/1.0 without Host', raw: `GET / HTTP/1.0\r\n\r\n`, want: { requestVersion: 'HTTP/1.0', headers: [] } },
  {
    name: 'HTTP/1.2 served as 1.1',
    raw: `GET / HTTP/1.2\r\n${H}\r\n`,
    want: { requestVersion: 'HTTP/1.1', requestline: 'GET / HTTP/1.2' },
  },
  {
    name: 'absolute form',
    raw: `GET http://example/x/y?z HTTP/1.1\r\n${H}\r\n`,
    want: { path: '/x/y?z', headers: [['Host', 'example']] },
  },
  { name: 'absolute form without path', raw: `GET http://example HTTP/1.1\r\n${H}\r\n`, want: { path: '/' } },
  {
    name: 'leading // reduced (gh-87389)',
    raw: `GET //evil.example/x HTTP/1.1\r\n${H}\r\n`,
    want: { path: '/evil.example/x' },
  },
  { name: 'empty lines before the request line', raw: `\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`, want: { command: 'GET' } },
  {
    name: 'bare LF line ends',
    raw: `GET / HTTP/1.1\n${H.replace('\r\n', '\n')}X-A: 1\n\n`,
    want: {
      headers: [
        ['Host', 'example'],
        ['X-A', '1'],
      ],
    },
  },
  {
    name: 'OWS around values trimmed',
    raw: `GET / HTTP/1.1\r\n${H}X-A: \t a b \t\r\n\r\n`,
    want: {
      headers: [
        ['Host', 'example'],
        ['X-A', 'a b'],
      ],
    },
  },
  {
    name: 'empty value',
    raw: `GET / HTTP/1.1\r\n${H}X-A:\r\n\r\n`,
    want: {
      headers: [
        ['Host', 'example'],
        ['X-A', ''],
      ],
    },
  },
  {
    name: 'repeated names kept in order',
    raw: `GET / HTTP/1.1\r\n${H}A: 1\r\nb: 2\r\na: 3\r\n\r\n`,
    want: {
      headers: [
        ['Host', 'example'],
        ['A', '1'],
        ['b', '2'],
        ['a', '3'],
      ],
    },
  },
  {
    name: 'obs-text in a value (latin1)',
    raw: `GET / HTTP/1.1\r\n${H}X-A: \xc4rger\r\n\r\n`,
    want: {
      headers: [
        ['Host', 'example'],
        ['X-A', 'Ärger'],
      ],
    },
  },
  {
    name: '100 header lines',
    raw: `GET / HTTP/1.1\r\n${H}${'X-Foo: bar\r\n'.repeat(99)}\r\n`,
    want: { command: 'GET' },
  },
  { name: 'CL body', raw: `POST /p HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`, want: { body: 'hello' } },
  { name: 'CL 0', raw: `POST /p HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`, want: { body: '' } },
  {
    name: 'CL leading zeros',
    raw: `POST /p HTTP/1.1\r\n${H}Content-Length: 005\r\n\r\nhello`,
    want: { body: 'hello' },
  },
  {
    name: 'chunked body',
    raw: `POST /p HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`,
    want: { body: 'hello world' },
  },
  {
    name: 'chunked, upper-case hex, extensions, trailers',
    raw: `POST /p HTTP/1.1\r\n${H}Transfer-Encoding: Chunked\r\n\r\nA;name=value\r\n0123456789\r\n1 ; x\r\n!\r\n0\r\nX-Sum: 1\r\n\r\n`,
    want: { body: '0123456789!' },
  },
  { name: 'simple request (HTTP/0.9)', raw: `GET /nine\r\n`, want: {} },
];

describe('BaseHTTPRequestHandler.parseRequest (parse_request): accepted requests', () => {
  it.for(accepted.filter((row) => row.name !== 'simple request (HTTP/0.9)'))('$name', async ({ raw, want }) => {
    const { port } = await serve(EchoHandler);
    const [response, ...rest] = parseResponses(await exchange(port, raw));
    expect(rest).toEqual([]);
    expect(response!.status).toBe(200);
    expect(JSON.parse(Buffer.from(response!.body, 'latin1').toString('utf8'))).toMatchObject(want);
  });

  it('HTTP/0.9 simple request: do_GET runs, the answer has no status line, then close', async () => {
    const { port } = await serve(EchoHandler);
    const received = await exchange(port, 'GET /nine\r\n');
    expect(JSON.parse(received)).toMatchObject({
      command: 'GET',
      path: '/nine',
      requestVersion: 'HTTP/0.9',
      headers: [],
    });
  });

  it('an error to an HTTP/0.9 request still has a status line', async () => {
    class NoGet extends EchoHandler {
      declare do_GET: never;
    }
    Object.defineProperty(NoGet.prototype, 'do_GET', { value: undefined });
    const { port } = await serve(NoGet);
    const [response] = parseResponses(await exchange(port, 'GET /\r\n'));
    expect(response!.status).toBe(501);
  });
});

describe('repeated values (a value or target equal to the last one is reused, never trusted blindly)', () => {
  it('each request on a connection gets its own values, targets and request line', async () => {
    const { port } = await serve(EchoHandler);
    const request = (target: string, host: string, agent: string) =>
      `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${agent}\r\n\r\n`;
    const received = await exchange(
      port,
      request('/a', 'h1', 'ua-1'),
      request('/a', 'h1', 'ua-1'),
      request('/b', 'h2', 'ua-2'),
      request('/bb', 'h2', 'ua-22'),
      request('/b', 'h1', 'ua-2'),
      'GET /b HTTP/1.1\r\nHost: h1\r\nUser-Agent: \xe9a-2\r\n\r\n',
    );
    const seen = parseResponses(received).map((response) => {
      const { path, requestline, headers } = JSON.parse(Buffer.from(response.body, 'latin1').toString()); // JSON in UTF-8
      return [path, requestline, ...headers.map(([, value]: string[]) => value)].join(' ');
    });
    expect(seen).toEqual([
      '/a GET /a HTTP/1.1 h1 ua-1',
      '/a GET /a HTTP/1.1 h1 ua-1',
      '/b GET /b HTTP/1.1 h2 ua-2',
      '/bb GET /bb HTTP/1.1 h2 ua-22',
      '/b GET /b HTTP/1.1 h1 ua-2',
      '/b GET /b HTTP/1.1 h1 \xe9a-2',
    ]);
  });

  it.for([
    { name: 'a control character where the last value had a letter', bad: 'ua-\x01', status: 400 },
    { name: 'a DEL of the same length', bad: 'ua-\x7f', status: 400 },
    { name: 'a Host with a slash, same length as the last', bad: undefined, status: 400 },
  ])('$name is still refused', async ({ bad, status }) => {
    const { port } = await serve(EchoHandler);
    const good = 'GET / HTTP/1.1\r\nHost: h1:80\r\nUser-Agent: ua-1\r\n\r\n';
    const hostile =
      bad === undefined
        ? 'GET / HTTP/1.1\r\nHost: h1/80\r\nUser-Agent: ua-1\r\n\r\n'
        : `GET / HTTP/1.1\r\nHost: h1:80\r\nUser-Agent: ${bad}\r\n\r\n`;
    const statuses = parseResponses(await sendAndWaitClose(port, good, hostile)).map((response) => response.status);
    expect(statuses).toEqual([200, status]);
  });
});
