// @httpstack/basehttpserver/testing: a handler class driven without a socket.
import { describe, expect, it } from 'vitest';
import { parseResponses, requestBytes, serveInMemory } from '../src/testing.js';
import { EchoHandler, QuietHandler } from './helpers.js';

describe('serveInMemory (Go httptest, CPython SocketlessRequestHandler)', () => {
  it('serves request objects in turn on one keep-alive connection and parses each response', async () => {
    const { responses, handler } = await serveInMemory(EchoHandler, [
      { path: '/a?x=1', headers: { 'X-One': '1' } },
      { method: 'POST', path: '/b', body: 'hello' },
      { method: 'HEAD', path: '/c' },
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const [first, second, third] = responses.map((r) =>
      r.body.length > 0 ? JSON.parse(r.body.toString()) : undefined,
    );
    expect(first).toMatchObject({
      command: 'GET',
      path: '/a?x=1',
      headers: [
        ['Host', 'localhost'],
        ['X-One', '1'],
      ],
    });
    expect(second).toMatchObject({ command: 'POST', path: '/b', body: 'hello' });
    expect(third).toBeUndefined(); // HEAD: a Content-Length but no body
    expect(Number(responses[2]!.header('content-length'))).toBeGreaterThan(0);
    expect(handler.command).toBe('HEAD');
  });

  it.for([
    ['a malformed request line', 'BAD\r\n\r\n', 400],
    ['a missing Host on HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['an unknown method', 'BREW / HTTP/1.0\r\n\r\n', 501],
    [
      'Content-Length with Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      400,
    ],
  ] as const)('raw bytes: %s → %d, then the connection ends', async ([, raw, status]) => {
    const { responses } = await serveInMemory(QuietHandler, raw);
    expect(responses.map((r) => r.status)).toEqual([status]);
    expect(responses[0]!.header('connection')).toBe('close');
  });

  it('decodes a chunked response body', () => {
    const [response] = parseResponses(
      Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'),
    );
    expect(response!.body.toString()).toBe('abcde');
  });

  it('writes a request as a client would', () => {
    expect(requestBytes({ method: 'PUT', path: '/x', body: 'hi' }).toString()).toBe(
      'PUT /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi',
    );
  });
});
