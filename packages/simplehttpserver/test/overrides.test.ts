// Every member of SimpleHTTPRequestHandler documented "May be overridden." takes effect on
// the next response, as a subclass field, as an assignment in a hook, and as a getter.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HTTPServer } from '@httpstack/basehttpserver';
import { describeOverrideContract, probeAfterHook, type Conn, type RawResponse } from '@httpstack/test-kit';
import { SimpleHTTPRequestHandler } from '../src/index.js';
import { fileCacheFor } from '../src/internal/caches.js';

const base = mkdtempSync(join(tmpdir(), 'httpstack-overrides-'));
const root = join(base, 'root');
const other = join(base, 'other');
afterAll(() => rmSync(base, { recursive: true, force: true }));
const OLD = new Date('2024-01-02T03:04:05Z');
const files: Record<string, string | Buffer> = {
  'root/index.html': 'index',
  'root/main.html': 'main',
  'root/a.txt': 'hello',
  'root/b.row': 'row',
  'root/.secret': 'secret',
  'root/sub/x.txt': 'x',
  'root/big.bin': Buffer.alloc(300 * 1024, 0x62),
  'root/style.css': 'a { color: red }\n'.repeat(128),
  'root/up/existing.txt': 'old',
  'other/index.html': 'other',
  'outside/o.txt': 'outside',
};
for (const [name, content] of Object.entries(files)) {
  mkdirSync(join(base, name, '..'), { recursive: true });
  writeFileSync(join(base, name), content);
  utimesSync(join(base, name), OLD, OLD);
}
writeFileSync(join(root, 'a.txt.gz'), gzipSync('hello')); // newer than a.txt: sent for gzip
symlinkSync(join(base, 'outside', 'o.txt'), join(root, 'link.txt'));

/** Calls of the hooks that the method rows wrap, newest last. */
const marks: string[] = [];
/** Sizes of the writes to `wfile` in the probe. */
const writes: number[] = [];

class TableHandler extends SimpleHTTPRequestHandler {
  override async setup(): Promise<void> {
    await super.setup();
    const write = this.wfile.write.bind(this.wfile);
    this.wfile.write = (data, encoding) => {
      writes.push(typeof data === 'string' ? Buffer.byteLength(data, encoding) : data.length);
      return write(data, encoding);
    };
  }

  override logMessage(): void {}
}
// Prototype defaults, as the library's own: a field here would hide a subclass's getter.
Object.assign(TableHandler.prototype, { protocolVersion: 'HTTP/1.1', directory: root });

const GET = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`;

function marking(name: string): unknown {
  return function (this: Record<string, (...args: unknown[]) => unknown>, ...args: unknown[]) {
    marks.push(name);
    return (TableHandler.prototype as unknown as typeof this)[name]!.apply(this, args);
  };
}
const marked =
  (name: string, path = '/a.txt') =>
  async (c: Conn) => (await c.exchange(GET(path)), marks.includes(name));
const header =
  (name: string, path = '/a.txt', headers = '') =>
  async (c: Conn) =>
    (await c.exchange(GET(path, headers))).header(name);
const status =
  (path: string, headers = '') =>
  async (c: Conn) =>
    (await c.exchange(GET(path, headers))).status;
const body = (path: string) => async (c: Conn) => (await c.exchange(GET(path))).body;

interface Row {
  name: string;
  value: unknown;
  probe(c: Conn, first: RawResponse): Promise<unknown>;
  want: unknown;
  /** The handler the row overrides (default `TableHandler`). */
  handler?: typeof TableHandler;
}

/** Uploads on: the rows of the members an upload consults. */
class UploadTableHandler extends TableHandler {}
Object.assign(UploadTableHandler.prototype, { upload: true });
/** CORS on, so that OPTIONS is answered. */
class CorsTableHandler extends TableHandler {}
Object.assign(CorsTableHandler.prototype, { cors: '*' });

let uploads = 0;
/** A `PUT` of `hi` to a new name under `/up/` (or to `name`), answered with its status. */
const put = (name?: string) => async (c: Conn) =>
  (await c.exchange(`PUT /up/${name ?? `new-${++uploads}.txt`} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi`))
    .status;

const cacheOptions = { maxEntries: 5 };

const rows: Row[] = [
  { name: 'directory', value: other, want: 'other', probe: body('/') },
  { name: 'indexPages', value: ['main.html'], want: 'main', probe: body('/') },
  {
    name: 'extensionsMap',
    value: { '.row': 'text/x-row' },
    want: 'text/x-row',
    probe: header('content-type', '/b.row'),
  },
  { name: 'dotfiles', value: true, want: 200, probe: status('/.secret') },
  { name: 'followExternalSymlinks', value: true, want: 200, probe: status('/link.txt') },
  {
    name: 'precompressed',
    value: false,
    want: undefined,
    probe: header('content-encoding', '/a.txt', 'Accept-Encoding: gzip\r\n'),
  },
  { name: 'listDirectories', value: false, want: 404, probe: status('/sub/') },
  { name: 'cacheControl', value: 'max-age=7', want: 'max-age=7', probe: header('cache-control') },
  { name: 'cors', value: '*', want: '*', probe: header('access-control-allow-origin') },
  {
    name: 'readSize',
    value: 4096,
    want: 4096,
    probe: async (c) => (await c.exchange(GET('/big.bin')), Math.max(...writes.slice(1))),
  },
  { name: 'maxRanges', value: 1, want: 200, probe: status('/a.txt', 'Range: bytes=0-0,2-2\r\n') },
  {
    name: 'fileCache',
    value: cacheOptions,
    want: true,
    probe: async (c) => (
      await c.exchange(GET('/a.txt')),
      fileCacheFor({ directory: root, followExternalSymlinks: false, fileCache: cacheOptions }).size > 0
    ),
  },
  {
    name: 'compress',
    value: false,
    want: undefined,
    probe: header('content-encoding', '/style.css', 'Accept-Encoding: gzip\r\n'),
  },
  { name: 'spa', value: true, want: 200, probe: status('/client/route', 'Accept: text/html\r\n') },
  { name: 'cleanUrls', value: true, want: 'main', probe: body('/main') },
  { name: 'upload', value: true, want: 201, probe: put() },
  { name: 'uploadOverwrite', handler: UploadTableHandler, value: true, want: 204, probe: put('existing.txt') },
  { name: 'maxUploadSize', handler: UploadTableHandler, value: 1, want: 413, probe: put() },
  { name: 'isUploadAllowed', handler: UploadTableHandler, value: () => false, want: 403, probe: put() },
  { name: 'bodyLimit', handler: UploadTableHandler, value: () => 1, want: 413, probe: put() },
  {
    name: 'allowedMethods',
    handler: CorsTableHandler,
    value: () => ['GET', 'ROW'],
    want: 'GET, ROW',
    probe: async (c) => (await c.exchange('OPTIONS /a.txt HTTP/1.1\r\nHost: x\r\n\r\n')).header('allow'),
  },
  { name: 'sendHead', value: marking('sendHead'), want: true, probe: marked('sendHead') },
  {
    name: 'listDirectory',
    want: 410,
    probe: status('/sub/'),
    value(this: SimpleHTTPRequestHandler): undefined {
      this.sendError(410);
      return undefined;
    },
  },
  { name: 'translatePath', value: () => join(root, 'main.html'), want: 'main', probe: body('/anything') },
  { name: 'copyfile', value: marking('copyfile'), want: true, probe: marked('copyfile') },
  { name: 'guessType', value: () => 'text/x-guess', want: 'text/x-guess', probe: header('content-type') },
];

const servers: HTTPServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await server.shutdown();
    await server.serverClose();
  }
});

/** Serves `Handler`, makes one request (the hook's, with `SET_HEADER`), then runs the probe. */
async function observe(Handler: typeof TableHandler, probe: Row['probe']): Promise<unknown> {
  const server = new HTTPServer(['127.0.0.1', 0], Handler);
  servers.push(server);
  await server.serverBind();
  void server.serveForever();
  return probeAfterHook((server.serverAddress as [string, number])[1], probe, () => {
    marks.length = 0;
    writes.length = 0;
  });
}

describeOverrideContract(
  'SimpleHTTPRequestHandler: the override contract (Python class attributes and hooks)',
  [new URL('../src/simple-http-request-handler.ts', import.meta.url)],
  rows,
  TableHandler,
  (Handler, row) => observe(Handler, row.probe),
);

describe('SimpleHTTPRequestHandler.cacheControl set per request (the reported bug)', () => {
  class PerRequest extends TableHandler {
    override async do_GET(): Promise<void> {
      this.cacheControl = this.headers.get('x-cache') ?? 'no-cache';
      await super.do_GET();
    }
  }
  class Getter extends TableHandler {
    override get cacheControl(): string {
      return `max-age=${this.path.length}`;
    }
  }

  it('each response carries the value its own request set, also for a cached file', async () => {
    const got: Array<string | undefined> = [];
    for (const value of ['max-age=1', 'max-age=999', undefined]) {
      got.push(
        (await observe(
          PerRequest,
          header('cache-control', '/a.txt', value === undefined ? '' : `X-Cache: ${value}\r\n`),
        )) as string | undefined,
      );
    }
    expect(got).toEqual(['max-age=1', 'max-age=999', 'no-cache']);
  });

  it('a getter override is read for each response', async () => {
    expect(await observe(Getter, header('cache-control', '/a.txt'))).toBe('max-age=6');
    expect(await observe(Getter, header('cache-control', '/sub/x.txt'))).toBe('max-age=10');
  });
});
