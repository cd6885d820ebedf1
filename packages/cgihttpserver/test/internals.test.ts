// The pure parts of the CGI host: path splitting, meta-variables, the script header parser.
import { describe, expect, it } from 'vitest';
import { splitCGIPath } from '../src/internal/cgi-path.js';
import { buildEnvironment, headerVariables, type RequestFacts } from '../src/internal/meta-variables.js';
import { parseBlock, ScriptHeaderError, ScriptHeaderParser } from '../src/internal/script-headers.js';

const DIRS = ['/cgi-bin', '/htbin'];

describe('splitCGIPath (Python is_cgi)', () => {
  it.for([
    { target: '/cgi-bin/a.sh', want: { dir: '/cgi-bin', rest: 'a.sh', query: '' } },
    { target: '/cgi-bin/a.sh/x/y?q=1&r', want: { dir: '/cgi-bin', rest: 'a.sh/x/y', query: 'q=1&r' } },
    { target: '/htbin/a.py', want: { dir: '/htbin', rest: 'a.py', query: '' } },
    { target: '/x/../cgi-bin/a.sh', want: { dir: '/cgi-bin', rest: 'a.sh', query: '' } },
    { target: '/cgi-bin/../a.sh', want: null },
    { target: '/cgi-bin/', want: { dir: '/cgi-bin', rest: '', query: '' } },
    { target: '/cgi-bin/./', want: { dir: '/cgi-bin', rest: '', query: '' } },
    { target: '/cgi-bin', want: null },
    { target: '/cgi-binx/a.sh', want: null },
    { target: '/static/cgi-bin/a.sh', want: null },
    { target: '/cgi-bin/a.sh?../../x', want: { dir: '/cgi-bin', rest: 'a.sh', query: '../../x' } },
    { target: '/cgi-bin/a%2Fb.sh', want: null }, // an encoded slash never becomes a separator
    { target: '/cgi-bin/a%00.sh', want: null },
    { target: '/cgi-bin/a\\b.sh', want: null },
  ])('$target', ({ target, want }) => {
    expect(splitCGIPath(target, DIRS)).toEqual(want);
  });
});

const FACTS: RequestFacts = {
  serverSoftware: 'S/1',
  serverName: 'host',
  serverPort: 80,
  protocol: 'HTTP/1.0',
  method: 'GET',
  serverAddr: '127.0.0.1',
  scheme: 'http',
  documentRoot: '/srv',
  requestUri: '/cgi-bin/a',
  scriptName: '/cgi-bin/a',
  scriptFilename: '/srv/cgi-bin/a',
  pathInfo: '',
  pathTranslated: undefined,
  queryString: '',
  remoteAddr: '::1',
  remotePort: 5,
  contentLength: undefined,
  remoteUser: undefined,
  headers: [
    ['Content-Type', 'text/plain'],
    ['Authorization', 'Bearer abc'],
    ['Cookie', 'a=1'],
    ['Cookie', 'b=2'],
  ],
};

describe('buildEnvironment (RFC 3875 §4.1)', () => {
  it('passes only the allow-list of the server environment', () => {
    const env = buildEnvironment(FACTS, {
      source: { PATH: '/bin', AWS_SECRET_ACCESS_KEY: 'k', TZ: 'UTC' },
      inheritEnv: [],
      env: {},
    });
    expect(env.PATH).toBe('/bin');
    expect(env.TZ).toBe('UTC');
    expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
  });

  it('gives a default PATH, and meta-variables win over configured ones', () => {
    const env = buildEnvironment(FACTS, { source: {}, inheritEnv: [], env: { GATEWAY_INTERFACE: 'x', MINE: '1' } });
    expect(env.PATH).toBe('/usr/local/bin:/usr/bin:/bin');
    expect(env.GATEWAY_INTERFACE).toBe('CGI/1.1');
    expect(env.MINE).toBe('1');
  });

  it('sets AUTH_TYPE from the scheme only, CONTENT_TYPE, no CONTENT_LENGTH without a body', () => {
    const env = buildEnvironment(FACTS, { source: {}, inheritEnv: [], env: {} });
    expect(env.AUTH_TYPE).toBe('Bearer');
    expect(JSON.stringify(env)).not.toContain('abc');
    expect(env.CONTENT_TYPE).toBe('text/plain');
    expect(env.CONTENT_LENGTH).toBeUndefined();
    expect(env.PATH_TRANSLATED).toBeUndefined();
    expect(env.REMOTE_USER).toBeUndefined();
    expect(env.HTTP_COOKIE).toBe('a=1; b=2');
  });

  it('sets REMOTE_USER only from the verified identity', () => {
    const env = buildEnvironment({ ...FACTS, remoteUser: 'alice' }, { source: {}, inheritEnv: [], env: {} });
    expect(env.REMOTE_USER).toBe('alice');
  });
});

describe('headerVariables', () => {
  it.for([
    { headers: [['Proxy', 'http://evil']], want: {} },
    {
      headers: [
        ['X-Forwarded-For', '1'],
        ['x-forwarded-for', '2'],
      ],
      want: { HTTP_X_FORWARDED_FOR: '1, 2' },
    },
    { headers: [['X_Y', '1']], want: {} },
    {
      headers: [
        ['Transfer-Encoding', 'chunked'],
        ['Content-Length', '3'],
      ],
      want: {},
    },
    { headers: [['Accept', '*/*']], want: { HTTP_ACCEPT: '*/*' } },
  ] as Array<{ headers: Array<[string, string]>; want: Record<string, string> }>)('$headers', ({ headers, want }) => {
    expect(headerVariables(headers)).toEqual(want);
  });
});

describe('ScriptHeaderParser', () => {
  it('finds the block across chunks, with LF or CRLF, and returns the body start', () => {
    const parser = new ScriptHeaderParser();
    expect(parser.push(Buffer.from('Content-Type: text/plain\r'))).toBeUndefined();
    expect(parser.push(Buffer.from('\nStatus: 201 Made\n'))).toBeUndefined();
    const done = parser.push(Buffer.from('\r\nbody'));
    expect(done?.headers).toMatchObject({ status: 201, reason: 'Made', fields: [['Content-Type', 'text/plain']] });
    expect(done?.body.toString()).toBe('body');
  });

  it('refuses a block over the limit', () => {
    const parser = new ScriptHeaderParser(32);
    expect(() => parser.push(Buffer.from('X-A: ' + 'a'.repeat(40) + '\n'))).toThrow(ScriptHeaderError);
  });

  it.for([
    { block: 'no colon here', why: 'no colon' },
    { block: 'Bad Name: x', why: 'space in name' },
    { block: ' folded: x', why: 'obs-fold' },
    { block: 'X: a\u0000b', why: 'NUL in value' },
    { block: 'Status: 99', why: 'short status' },
    { block: 'Status: 100 Continue', why: '1xx status' },
    { block: 'Status: abc', why: 'non-numeric status' },
    { block: 'Content-Length: -1', why: 'negative length' },
    { block: 'Location: /a\nLocation: /b', why: 'two Locations' },
    { block: 'Content-Type: a\ncontent-type: b', why: 'two Content-Types' },
  ])('malformed: $why', ({ block }) => {
    expect(() => parseBlock(block)).toThrow(ScriptHeaderError);
  });

  it('drops hop-by-hop headers a script must not set', () => {
    const headers = parseBlock('Content-Type: a\nConnection: close\nTransfer-Encoding: chunked\nX-Ok: 1');
    expect(headers.fields).toEqual([
      ['Content-Type', 'a'],
      ['X-Ok', '1'],
    ]);
  });
});
