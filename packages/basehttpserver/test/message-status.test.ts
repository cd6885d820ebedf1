// HTTPMessage (http.client.HTTPMessage), HTTPStatus (http.HTTPStatus), the export list.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as basehttpserver from '../src/index.js';
import { BaseHTTPRequestHandler, DEFAULT_RESPONSES, HTTPMessage, HTTPStatus } from '../src/index.js';

describe('HTTPMessage (http.client.HTTPMessage)', () => {
  const message = () =>
    new HTTPMessage([
      ['Host', 'a'],
      ['Set-Cookie', '1'],
      ['x-y', 'z'],
      ['set-cookie', '2'],
    ]);

  it.for([
    { name: 'Host', get: 'a', all: ['a'] },
    { name: 'HOST', get: 'a', all: ['a'] },
    { name: 'set-COOKIE', get: '1', all: ['1', '2'] },
    { name: 'X-Y', get: 'z', all: ['z'] },
    { name: 'Missing', get: undefined, all: [] },
  ])('get/getAll/has($name)', ({ name, get, all }) => {
    const headers = message();
    expect(headers.get(name)).toBe(get);
    expect(headers.getAll(name)).toEqual(all);
    expect(headers.has(name)).toBe(get !== undefined);
  });

  it('iterates [name, value] in arrival order, repeated names repeated', () => {
    expect([...message()]).toEqual([
      ['Host', 'a'],
      ['Set-Cookie', '1'],
      ['x-y', 'z'],
      ['set-cookie', '2'],
    ]);
    expect(message().items()).toEqual([...message()]);
    expect(message().keys()).toEqual(['Host', 'Set-Cookie', 'x-y', 'set-cookie']);
    expect(message().size).toBe(4);
  });

  it('get with a fallback, append, set, delete, toString', () => {
    const headers = message();
    expect(headers.get('nope', 'fallback')).toBe('fallback');
    headers.append('Host', 'b');
    expect(headers.getAll('host')).toEqual(['a', 'b']);
    headers.set('host', 'c');
    expect(headers.getAll('Host')).toEqual(['c']);
    expect(headers.delete('SET-cookie')).toBe(true);
    expect(headers.delete('set-cookie')).toBe(false);
    expect(headers.toString()).toBe('x-y: z\r\nhost: c\r\n\r\n');
  });
});

describe('HTTPStatus (http.HTTPStatus)', () => {
  it('names codes as Python does', () => {
    expect(HTTPStatus.OK).toBe(200);
    expect(HTTPStatus.NOT_FOUND).toBe(404);
    expect(HTTPStatus.IM_A_TEAPOT).toBe(418);
    expect(HTTPStatus.CONTENT_TOO_LARGE).toBe(HTTPStatus.REQUEST_ENTITY_TOO_LARGE);
    expect(HTTPStatus.phrase(404)).toBe('Not Found');
    expect(HTTPStatus.description(404)).toBe('Nothing matches the given URI');
    expect(HTTPStatus.phrase(999)).toBeUndefined();
    expect(DEFAULT_RESPONSES[431]).toEqual([
      'Request Header Fields Too Large',
      'The server is unwilling to process the request because its header fields are too large',
    ]);
  });

  it.skipIf(spawnSync('python3', ['--version']).status !== 0)(
    'has every code, phrase and description of the local python3',
    () => {
      const python = spawnSync('python3', [
        '-c',
        'import json, http; print(json.dumps([[s.value, s.phrase, s.description] for s in http.HTTPStatus]))',
      ]);
      const theirs = JSON.parse(String(python.stdout)) as Array<[number, string, string]>;
      expect(HTTPStatus.entries()).toEqual(expect.arrayContaining(theirs));
    },
  );
});

describe('BaseHTTPRequestHandler fields', () => {
  it('overridable fields have Python defaults and can be overridden by a subclass field', () => {
    class Custom extends BaseHTTPRequestHandler {
      override protocolVersion = 'HTTP/1.1';
      override serverVersion = 'Custom/1';
    }
    const base = new BaseHTTPRequestHandler(undefined, ['127.0.0.1', 1], undefined as never);
    const custom = new Custom(undefined, ['127.0.0.1', 1], undefined as never);
    expect([base.protocolVersion, base.serverVersion, base.errorContentType, base.maxBodySize]).toEqual([
      'HTTP/1.0',
      'BaseHTTP/0.6',
      'text/html;charset=utf-8',
      1048576,
    ]);
    expect([base.headTimeout, base.bodyTimeout, base.keepAliveTimeout, base.maxHeaders]).toEqual([
      30000, 30000, 5000, 100,
    ]);
    expect([custom.protocolVersion, custom.serverVersion]).toEqual(['HTTP/1.1', 'Custom/1']);
    expect(custom.versionString()).toBe(`Custom/1 Node.js/${process.versions.node}`);
    expect(base.versionString()).toBe(`BaseHTTP/0.6 Node.js/${process.versions.node}`);
  });

  it.for([
    { name: 'CRLF in a value', key: 'X-A', value: 'a\r\nSet-Cookie: x=1' },
    { name: 'LF in a value', key: 'X-A', value: 'a\nb' },
    { name: 'NUL in a value', key: 'X-A', value: 'a\0b' },
    { name: 'non-latin1 value', key: 'X-A', value: 'snow ☃' },
    { name: 'space in a name', key: 'X A', value: 'a' },
    { name: 'colon in a name', key: 'X-A:', value: 'a' },
    { name: 'CRLF in a name', key: 'X\r\nA', value: 'a' },
    { name: 'empty name', key: '', value: 'a' },
  ])('sendHeader refuses $name (no response splitting)', ({ key, value }) => {
    const handler = new BaseHTTPRequestHandler(undefined, ['127.0.0.1', 1], undefined as never);
    expect(() => handler.sendHeader(key, value)).toThrow(TypeError);
  });

  it('sendResponseOnly refuses a reason phrase with CRLF and a code out of range', () => {
    const handler = new BaseHTTPRequestHandler(undefined, ['127.0.0.1', 1], undefined as never);
    expect(() => handler.sendResponseOnly(200, 'OK\r\nX: y')).toThrow(TypeError);
    expect(() => handler.sendResponseOnly(1000)).toThrow(RangeError);
  });
});

it('exports exactly these runtime names', () => {
  expect(Object.keys(basehttpserver).sort()).toEqual([
    'BaseHTTPRequestHandler',
    'BasicCredentials',
    'ChunkedWriter',
    'DEFAULT_ERROR_CONTENT_TYPE',
    'DEFAULT_ERROR_MESSAGE',
    'DEFAULT_RESPONSES',
    'HTTPMessage',
    'HTTPRequestError',
    'HTTPSServer',
    'HTTPServer',
    'HTTPStatus',
    'SEND_ERROR_FORMAT',
    'parseRequestTarget',
    'printf',
    'splitList',
    'trimOWS',
  ]);
});
