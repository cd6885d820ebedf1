/** Test kit: an awkward fixture tree in a temp dir, a server on it, and real clients. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { HTTPServer } from '@httpstack/basehttpserver';
import { SimpleHTTPRequestHandler, type SimpleHTTPOptions } from '../src/index.js';

export const APP_JS = 'console.log("plain");\n'.repeat(50);
/** A file name that is markup, quotes and an entity. */
export const IMG_NAME = '<img src=x onerror="alert(\'x\')">&amp;.txt';
export const BIG_SIZE = 3 * 1024 * 1024 + 17;
/** A fixed old mtime, so that `If-Modified-Since` tables are exact. */
export const OLD_MTIME = new Date('2024-01-02T03:04:05Z');

/** Bytes of `big.bin`: position-dependent, so ranges are checkable. */
export function bigBytes(): Buffer {
  const buffer = Buffer.alloc(BIG_SIZE);
  for (let i = 0; i < BIG_SIZE; i++) buffer[i] = (i * 7 + (i >> 10)) & 0xff;
  return buffer;
}

export interface Fixture {
  /** The served directory. */
  root: string;
  /** A directory beside it, which must never be reachable. */
  outside: string;
  remove(): void;
}

/** Makes the fixture tree: awkward names, dotfiles, siblings, nested index.htm, symlinks. */
export function makeFixture(): Fixture {
  const base = mkdtempSync(join(tmpdir(), 'httpstack-static-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  const files: Record<string, string | Buffer> = {
    'hello.txt': 'hello, world\n',
    'empty.txt': '',
    'a b.txt': 'space\n',
    'café ünïcode.txt': 'accents\n',
    '<script>alert(1)<script>.txt': 'xss\n',
    [IMG_NAME]: 'img\n',
    '100%.txt': 'percent\n',
    'page.html': '<!DOCTYPE html><title>p</title><p>page</p>\n',
    'data.json': '{"a":1}\n',
    'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    'archive.tar.gz': gzipSync('tar'),
    'app.js': APP_JS,
    'app.js.gz': gzipSync(APP_JS),
    'app.js.br': brotliCompressSync(APP_JS),
    'style.css': 'body{}\n',
    'style.css.gz': gzipSync('body{}\n'),
    'big.bin': bigBytes(),
    '.env': 'SECRET=1\n',
    '.git/config': '[core]\n',
    '.well-known/security.txt': 'Contact: x\n',
    'sub/index.htm': '<p>sub index</p>\n',
    'sub/deeper/file.txt': 'deep\n',
    'both/index.html': 'html index\n',
    'both/index.htm': 'htm index\n',
    'dir with space/x.txt': 'x\n',
    'empty-dir/.keep': '',
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
    utimesSync(join(root, name), OLD_MTIME, OLD_MTIME);
  }
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET\n');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'link-out.txt'));
  symlinkSync(outside, join(root, 'linkdir-out'));
  symlinkSync('hello.txt', join(root, 'link-in.txt'));
  symlinkSync('sub', join(root, 'linkdir-in'));
  symlinkSync('missing.txt', join(root, 'broken-link.txt'));
  return { root, outside, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** A running server and its port. */
export interface Running {
  port: number;
  server: HTTPServer;
  /** Lines the handler logged. */
  log: string[];
  close(): Promise<void>;
}

/** Serves `directory` with `SimpleHTTPRequestHandler` (HTTP/1.1, log captured) on 127.0.0.1:0. */
/** A handler class `serve()` can configure. */
export type HandlerClass = (new (
  ...args: any[]
) => SimpleHTTPRequestHandler<any>) & {
  configure: typeof SimpleHTTPRequestHandler.configure;
};

export async function serve(options: SimpleHTTPOptions & { Handler?: HandlerClass } = {}): Promise<Running> {
  const log: string[] = [];
  const { Handler = SimpleHTTPRequestHandler as HandlerClass, ...fields } = options;
  class Quiet extends Handler.configure({ protocolVersion: 'HTTP/1.1', ...fields }) {
    override logMessage(format: string, ...args: unknown[]): void {
      log.push(`${format} ${args.map(String).join(' ')}`);
    }
  }
  const server = new HTTPServer(['127.0.0.1', 0], Quiet);
  await server.serverBind();
  const serving = server.serveForever();
  const port = (server.serverAddress as [string, number])[1];
  return {
    port,
    server,
    log,
    close: async () => {
      await server.shutdown();
      await serving;
      await server.serverClose();
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request with `node:http` (no decompression, no path normalisation), a fresh connection. */
export function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** Writes `bytes` on a raw connection and resolves with everything received until it closes. */
export { exchange as raw } from '@httpstack/test-kit';

/** The status code of the first response in raw `text`. */
export function statusOf(text: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3}) /.exec(text)?.[1] ?? 0);
}

/** Debian's Chromium (or `CHROMIUM_PATH`): the browser tests skip, with a printed reason, without it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Whether `CHROMIUM` is there. */
export const hasChromium = existsSync(CHROMIUM);

/** `hasChromium`; prints why `what` is skipped when it is false. */
export function chromiumFor(what: string): boolean {
  if (!hasChromium) console.warn(`${CHROMIUM} not found (apt-get install chromium): ${what} skipped`);
  return hasChromium;
}

/**
 * Headless Chromium as this machine runs it (as root: no sandbox; no background networking,
 * which the closed network answers with refused connections).
 */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
