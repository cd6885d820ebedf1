import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  get,
  makeFixture,
  OLD_MTIME,
  raw,
  serve,
  statusOf,
  type Fixture,
  type Reply,
  type Running,
} from './helpers.js';

const python = spawnSync('python3', ['-c', 'import http.server, sys; print(sys.version_info >= (3, 7))'], {
  encoding: 'utf8',
});
const hasPython = python.error === undefined && python.stdout.trim() === 'True';
if (!hasPython) console.warn('python3 (>= 3.7) not found: differential test against python3 -m http.server skipped');

let fixture: Fixture;
let ours: Running;
let child: ChildProcess | undefined;
let pythonPort = 0;

/** Starts `python3 -m http.server` on a free loopback port and waits for its banner. */
function startPython(directory: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', directory], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /port (\d+)/.exec(out)?.[1];
      if (port) resolve(Number(port));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`python3 exited with ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  if (!hasPython) return;
  fixture = makeFixture();
  ours = await serve({ directory: fixture.root, protocolVersion: 'HTTP/1.0' });
  pythonPort = await startPython(fixture.root);
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await ours?.close();
  fixture?.remove();
});

/** Requests where Python's http.server and ours should agree, and what to compare. */
const SAME: Array<[name: string, path: string, headers: Record<string, string>, compare: string[], method?: string]> = [
  ['file', '/hello.txt', {}, ['content-length', 'last-modified', 'body']],
  ['space in name', '/a%20b.txt', {}, ['content-length', 'body']],
  ['non-ASCII name', `/${encodeURIComponent('café ünïcode.txt')}`, {}, ['content-length', 'body']],
  ['markup in name', `/${encodeURIComponent('<script>alert(1)<script>.txt')}`, {}, ['body']],
  ['html', '/page.html', {}, ['content-type', 'content-length', 'body']],
  ['png', '/image.png', {}, ['content-type', 'body']],
  ['tar.gz (extensions_map)', '/archive.tar.gz', {}, ['content-type', 'body']],
  ['index.htm', '/sub/', {}, ['content-length', 'body']],
  ['index.html before index.htm', '/both/', {}, ['body']],
  ['listing', '/sub/deeper/', {}, ['content-type']],
  ['redirect', '/sub', {}, ['location']],
  ['redirect keeps the query', '/sub?a=1&b=2', {}, ['location']],
  ['redirect of //', '//sub', {}, ['location']],
  ['missing', '/missing.txt', {}, []],
  ['file with a trailing slash', '/hello.txt/', {}, []],
  ['If-Modified-Since equal', '/hello.txt', { 'if-modified-since': OLD_MTIME.toUTCString() }, []],
  [
    'If-Modified-Since older',
    '/hello.txt',
    { 'if-modified-since': new Date(OLD_MTIME.getTime() - 5000).toUTCString() },
    ['body'],
  ],
  ['If-Modified-Since garbage', '/hello.txt', { 'if-modified-since': 'garbage' }, ['body']],
  ['HEAD', '/hello.txt', {}, ['content-length', 'last-modified', 'body'], 'HEAD'],
  ['HEAD of a directory', '/sub', {}, ['location'], 'HEAD'],
  ['symlink inside', '/link-in.txt', {}, ['body']],
];

function pick(reply: Reply, name: string): string | undefined {
  if (name === 'body') return reply.body.toString('latin1');
  if (name === 'content-type') return reply.headers['content-type']?.split(';')[0];
  const value = reply.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

describe.skipIf(!hasPython)('differential: python3 -m http.server and ours answer alike', () => {
  it.for(SAME)('%s: %s', async ([, path, headers, compare, method = 'GET']) => {
    const theirs = await get(pythonPort, path, headers, method);
    const mine = await get(ours.port, path, headers, method);
    expect(mine.status, 'status').toBe(theirs.status);
    for (const name of compare) expect(pick(mine, name), name).toBe(pick(theirs, name));
  });

  it.for([
    'POST /hello.txt HTTP/1.0\r\nContent-Length: 0\r\n\r\n',
    'PUT /hello.txt HTTP/1.0\r\nContent-Length: 0\r\n\r\n',
    'GET /nope HTTP/1.0\r\n\r\n',
  ])('same status for %j', async (request) => {
    expect(statusOf(await raw(ours.port, request))).toBe(statusOf(await raw(pythonPort, request)));
  });

  // Where we differ on purpose (documented in docs/python-mapping.md): Python serves dotfiles
  // and symlinks that leave the root; we answer 404.
  it.for(['/.env', '/link-out.txt'])('differs on purpose for %s: Python 200, ours 404', async (path) => {
    expect((await get(pythonPort, path)).status).toBe(200);
    expect((await get(ours.port, path)).status).toBe(404);
  });
});
