// Every member of BaseHTTPRequestHandler documented "May be overridden." takes effect on the
// next response, as a subclass field, as an assignment in a hook, and as a getter.
import { expect } from 'vitest';
import { BaseHTTPRequestHandler, BasicCredentials, DEFAULT_RESPONSES, HTTPMessage } from '../src/index.js';
import { logs, QuietHandler, serve, type RawResponse } from './helpers.js';
import { describeOverrideContract, probeAfterHook, SET_HEADER, within, type Conn } from '@httpstack/test-kit';

/** Calls of the hooks that the method rows wrap, newest last. */
const marks: string[] = [];
/** `requestVersion` as `sendError` saw it. */
let errorVersion = '';

/** Called when the server stops writing `/big` (cut off, or done). */
let endBig = (): void => {};

class TableHandler extends QuietHandler {
  do_GET(): void | Promise<void> {
    if (this.path === '/big') return this.big();
    const body = Buffer.from(this.headers.constructor.name);
    this.sendResponse(200);
    this.sendHeader('Content-Length', body.length);
    this.endHeaders();
    void this.wfile.write(body);
  }

  /** 64 MiB in 1 MiB writes, each awaited: a client that reads nothing stalls it. */
  async big(): Promise<void> {
    const chunk = Buffer.alloc(1024 * 1024);
    this.sendResponse(200);
    this.sendHeader('Content-Length', 64 * chunk.length);
    this.endHeaders();
    try {
      for (let i = 0; i < 64; i++) await this.wfile.write(chunk);
    } finally {
      endBig();
    }
  }

  async do_POST(): Promise<void> {
    await this.readBody();
    this.sendResponse(204);
    this.endHeaders();
  }

  override sendError(code: number, message?: string, explain?: string): void {
    errorVersion = this.requestVersion;
    super.sendError(code, message, explain);
  }
}
// A prototype default, as the library's own: a field here would hide a subclass's getter.
Object.assign(TableHandler.prototype, { protocolVersion: 'HTTP/1.1' });

/**
 * With Basic authentication on (realm `Row`, the one account `ann:pw`), but for the hook's
 * own request, which must answer 200: the rows of the members authentication consults.
 */
class AuthTableHandler extends TableHandler {}
Object.defineProperty(AuthTableHandler.prototype, 'authRealm', {
  get(this: BaseHTTPRequestHandler) {
    return this.headers.get(SET_HEADER) === undefined ? 'Row' : null;
  },
  configurable: true,
});
Object.assign(AuthTableHandler.prototype, { credentials: BasicCredentials.parse('ann:pw\n') });
/** The hook's own credentials (see `probeAfterHook`): the `authRealm` row turns authentication on. */
class RealmTableHandler extends TableHandler {}
Object.assign(RealmTableHandler.prototype, { credentials: BasicCredentials.parse('hook:hook\n') });
const AS_ROW = `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${Buffer.from('row:pw').toString('base64')}\r\n\r\n`;

const GET = (path = '/') => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
const BREW = 'BREW / HTTP/1.1\r\nHost: x\r\n\r\n';
const status = (r: RawResponse) => r.status;

/** Wraps the inherited `name` so that a call leaves a mark. */
function marking(name: string): unknown {
  return function (this: Record<string, (...args: unknown[]) => unknown>, ...args: unknown[]) {
    marks.push(name);
    return (TableHandler.prototype as unknown as typeof this)[name]!.apply(this, args);
  };
}
const marked =
  (name: string) =>
  async (c: Conn, request = GET()) => {
    await c.exchange(request);
    return marks.includes(name);
  };

interface Row {
  name: string;
  value: unknown;
  /** What the response shows of the member, on a connection where it was overridden. */
  probe(c: Conn, first: RawResponse): Promise<unknown>;
  want: unknown;
  /** False for timeouts: the default (seconds) is not waited for; `within` bounds the probe. */
  control?: false;
  /** The handler the row overrides (default `TableHandler`). */
  handler?: typeof TableHandler;
}

class RowMessage extends HTTPMessage {}

const rows: Row[] = [
  {
    name: 'serverVersion',
    value: 'Row/1',
    want: 'Row/1',
    probe: async (c) => (await c.exchange(GET())).header('server')!.split(' ')[0],
  },
  {
    name: 'sysVersion',
    value: 'Sys/2',
    want: 'Sys/2',
    probe: async (c) => (await c.exchange(GET())).header('server')!.split(' ')[1],
  },
  { name: 'errorMessageFormat', value: 'E%(code)d', want: 'E501', probe: async (c) => (await c.exchange(BREW)).body },
  {
    name: 'errorContentType',
    value: 'text/x-row',
    want: 'text/x-row',
    probe: async (c) => (await c.exchange(BREW)).header('content-type'),
  },
  // Under HTTP/1.0 the connection closes after the hook's request: its own response shows the version.
  { name: 'protocolVersion', value: 'HTTP/1.0', want: 'HTTP/1.0', probe: async (_c, first) => first.version },
  {
    name: 'responses',
    value: { ...DEFAULT_RESPONSES, 200: ['Fine', 'All fine'] },
    want: 'Fine',
    probe: async (c) => (await c.exchange(GET())).reason,
  },
  {
    name: 'defaultRequestVersion',
    value: 'HTTP/1.1',
    want: 'HTTP/1.1',
    probe: async (c) => (await c.exchange('BAD\r\n'), errorVersion),
  },
  { name: 'MessageClass', value: RowMessage, want: 'RowMessage', probe: async (c) => (await c.exchange(GET())).body },
  {
    name: 'maxBodySize',
    value: 4,
    want: 413,
    probe: async (c) => status(await c.exchange('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n12345678')),
  },
  {
    name: 'maxRequestLineSize',
    value: 32,
    want: 414,
    probe: async (c) => status(await c.exchange(GET(`/${'a'.repeat(40)}`))),
  },
  {
    name: 'maxHeaderLineSize',
    value: 40,
    want: 431,
    probe: async (c) => status(await c.exchange(`GET / HTTP/1.1\r\nHost: x\r\nX-Long: ${'a'.repeat(50)}\r\n\r\n`)),
  },
  {
    name: 'maxHeaders',
    value: 3,
    want: 431,
    probe: async (c) => status(await c.exchange('GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n')),
  },
  {
    name: 'maxHeadSize',
    value: 64,
    want: 431,
    probe: async (c) =>
      status(await c.exchange(`GET / HTTP/1.1\r\nHost: x\r\n${`X-Pad: ${'p'.repeat(22)}\r\n`.repeat(3)}\r\n`)),
  },
  {
    name: 'headTimeout',
    value: 100,
    want: 'in time',
    control: false,
    probe: (c) =>
      within(
        3000,
        c.exchange('GET / HTTP/1.1\r\nHost: x\r\n').then((r) => expect(r.status).toBe(408)),
      ),
  },
  {
    name: 'bodyTimeout',
    value: 100,
    want: 'in time',
    control: false,
    probe: (c) =>
      within(
        3000,
        c
          .exchange('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12')
          .then((r) => expect(r.status).toBe(408)),
      ),
  },
  { name: 'keepAliveTimeout', value: 100, want: 'in time', control: false, probe: (c) => within(3000, c.closed) },
  {
    name: 'writeTimeout',
    value: 100,
    want: 'in time',
    control: false,
    probe: async (c) => {
      c.socket.pause(); // reads nothing: the kernel buffers fill, then the server's writes wait
      const ended = new Promise<void>((resolve) => (endBig = resolve));
      c.send(GET('/big'));
      return within(3000, ended);
    },
  },
  {
    name: 'handleOneRequest',
    value: marking('handleOneRequest'),
    want: true,
    probe: (c) => marked('handleOneRequest')(c),
  },
  { name: 'parseRequest', value: marking('parseRequest'), want: true, probe: (c) => marked('parseRequest')(c) },
  {
    name: 'handleExpect100',
    want: 417,
    value(this: BaseHTTPRequestHandler) {
      this.sendError(417);
      return false;
    },
    probe: async (c) => {
      c.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n');
      return status(await c.response(true));
    },
  },
  {
    name: 'bodyLimit',
    value: () => 4,
    want: 413,
    probe: async (c) => status(await c.exchange('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n12345678')),
  },
  {
    name: 'authRealm',
    handler: RealmTableHandler,
    value: 'Row',
    want: 'Basic realm="Row"',
    probe: async (c) => (await c.exchange(GET())).header('www-authenticate')?.split(',')[0],
  },
  {
    name: 'credentials',
    handler: AuthTableHandler,
    value: BasicCredentials.parse('row:pw\n'),
    want: 200,
    probe: async (c) => status(await c.exchange(AS_ROW)),
  },
  {
    name: 'authenticate',
    handler: AuthTableHandler,
    value: (user: string) => user === 'row',
    want: 200,
    probe: async (c) => status(await c.exchange(AS_ROW)),
  },
  {
    name: 'errorPage',
    value: () => ({ contentType: 'application/x-row', body: 'row' }),
    want: 'row',
    probe: async (c) => (await c.exchange(BREW)).body,
  },
  { name: 'sendError', value: marking('sendError'), want: true, probe: (c) => marked('sendError')(c, BREW) },
  { name: 'logRequest', value: marking('logRequest'), want: true, probe: (c) => marked('logRequest')(c) },
  { name: 'logError', value: marking('logError'), want: true, probe: (c) => marked('logError')(c, BREW) },
  { name: 'logMessage', value: marking('logMessage'), want: true, probe: (c) => marked('logMessage')(c) },
  {
    name: 'versionString',
    value: () => 'V/9',
    want: 'V/9',
    probe: async (c) => (await c.exchange(GET())).header('server'),
  },
  {
    name: 'dateTimeString',
    value: () => 'Sat, 01 Jan 2000 00:00:00 GMT',
    want: 'Sat, 01 Jan 2000 00:00:00 GMT',
    probe: async (c) => (await c.exchange(GET())).header('date'),
  },
  {
    name: 'logDateTimeString',
    value: () => 'ROWTIME',
    want: true,
    probe: async (c) => (await c.exchange(GET()), logs.some((line) => line.includes('[ROWTIME]'))),
  },
  {
    name: 'addressString',
    value: () => 'ROWADDR',
    want: true,
    probe: async (c) => (await c.exchange(GET()), logs.some((line) => line.startsWith('ROWADDR '))),
  },
];

/** Serves `Handler`, makes one request (the hook's, with `SET_HEADER`), then runs the probe. */
async function observe(Handler: typeof TableHandler, probe: Row['probe']): Promise<unknown> {
  const { port } = await serve(Handler);
  return probeAfterHook(port, probe, () => {
    marks.length = 0;
    logs.length = 0;
  });
}

describeOverrideContract(
  'BaseHTTPRequestHandler: the override contract (Python class attributes and hooks)',
  [
    new URL('../src/base-http-request-handler.ts', import.meta.url),
    new URL('../src/http-response-writer.ts', import.meta.url),
  ],
  rows,
  TableHandler,
  (Handler, row) => observe(Handler, row.probe),
);
