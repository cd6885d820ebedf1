// Uploads (beyond Python): PUT with curl -T, multipart POST with curl -F, limits, races and hostile names.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, raw, serve, statusOf, type Running } from './helpers.js';

const hasCurl = existsSync('/usr/bin/curl');
if (!hasCurl) console.warn('/usr/bin/curl not found (apt-get install curl): curl upload tests skipped');

let base: string;
let sources: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'httpstack-upload-'));
  sources = join(base, 'sources');
  mkdirSync(sources);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

let roots = 0;
/** A fresh served directory (with `sub/`, a dotfile, a symlink out of it) and a server uploading into it. */
async function start(fields: Record<string, unknown> = {}): Promise<{ root: string; url: string; port: number }> {
  const root = join(base, `root${roots++}`);
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(base, `outside${roots}`));
  symlinkSync(join(base, `outside${roots}`), join(root, 'out'));
  writeFileSync(join(root, 'existing.txt'), 'old\n');
  running = await serve({ directory: root, upload: true, ...fields });
  return { root, url: `http://127.0.0.1:${running.port}`, port: running.port };
}

/** A file of `size` random bytes in the sources folder, and its SHA-256. */
function source(name: string, size: number): { path: string; sha256: string } {
  const bytes = randomBytes(size);
  const path = join(sources, name);
  writeFileSync(path, bytes);
  return { path, sha256: sha256(bytes) };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Runs curl; resolves to `{ status, output }` (status from `-w`). */
function curl(args: string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-w', '\n%{http_code}', ...args], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) return reject(error);
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)), output: stdout.slice(0, cut) });
    });
  });
}

/** Names in `dir` left by unfinished uploads. */
function temporaries(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.includes('.upload-'));
}

describe.skipIf(!hasCurl)('SimpleHTTPRequestHandler.do_PUT with curl -T', () => {
  it('stores the file byte for byte, answers 201 with Location, then 409 for the same name', async () => {
    const { root, url } = await start();
    const file = source('put.bin', 3 * 1024 * 1024 + 5);
    const first = await curl(['-T', file.path, '-D', '-', `${url}/sub/put.bin`]);
    expect(first.status).toBe(201);
    expect(first.output).toMatch(/^Location: \/sub\/put\.bin\r$/m);
    expect(sha256(readFileSync(join(root, 'sub', 'put.bin')))).toBe(file.sha256);
    const again = await curl(['-T', source('other.bin', 1000).path, `${url}/sub/put.bin`]);
    expect(again.status).toBe(409);
    expect(sha256(readFileSync(join(root, 'sub', 'put.bin')))).toBe(file.sha256);
    expect(temporaries(join(root, 'sub'))).toEqual([]);
  });

  it('accepts a name of 255 bytes, the longest a file system takes', async () => {
    const { root, url } = await start();
    const name = 'é'.repeat(127) + 'x'; // 255 bytes of UTF-8
    const answer = await curl(['-T', source('long.txt', 10).path, `${url}/${encodeURIComponent(name)}`]);
    expect(answer.status).toBe(201);
    expect(readdirSync(root)).toContain(name);
  });

  it('replaces a file with uploadOverwrite (204)', async () => {
    const { root, url } = await start({ uploadOverwrite: true });
    const file = source('new.txt', 2000);
    expect((await curl(['-T', file.path, `${url}/existing.txt`])).status).toBe(204);
    expect(sha256(readFileSync(join(root, 'existing.txt')))).toBe(file.sha256);
  });

  it('of concurrent uploads of one name exactly one wins, and the file is whole', async () => {
    const { root, url } = await start();
    const files = Array.from({ length: 6 }, (_, i) => source(`race${i}.bin`, 2 * 1024 * 1024 + i));
    const results = await Promise.all(files.map((f) => curl(['-T', f.path, `${url}/race.bin`])));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    const winner = files[results.findIndex((r) => r.status === 201)]!;
    expect(sha256(readFileSync(join(root, 'race.bin')))).toBe(winner.sha256);
    expect(temporaries(root)).toEqual([]);
  });

  it('refuses a body over maxUploadSize with 413 and writes nothing (Content-Length and chunked)', async () => {
    const { root, url } = await start({ maxUploadSize: 100_000 });
    const file = source('big.bin', 100_001);
    expect((await curl(['-T', file.path, `${url}/big.bin`])).status).toBe(413);
    const chunked = await curl(['-T', file.path, '-H', 'Transfer-Encoding: chunked', `${url}/big2.bin`]);
    expect(chunked.status).toBe(413);
    expect(readdirSync(root).sort()).toEqual(['existing.txt', 'out', 'sub']);
    expect((await curl(['-T', source('fits.bin', 100_000).path, `${url}/fits.bin`])).status).toBe(201);
  });
});

describe.skipIf(!hasCurl)('SimpleHTTPRequestHandler.do_POST with curl -F (multipart/form-data)', () => {
  it('stores several files at once, each byte for byte', async () => {
    const { root, url } = await start();
    const files = [source('a.bin', 1024 * 1024 + 1), source('b.txt', 10), source('c d é.bin', 300_000)];
    const form = files.flatMap((f, i) => ['-F', `file${i}=@${f.path}`]);
    const answer = await curl([...form, `${url}/sub/`]);
    expect(answer.status).toBe(201);
    expect(answer.output).toContain('<a href="/sub/c%20d%20%C3%A9.bin">c d é.bin</a>');
    for (const f of files)
      expect(sha256(readFileSync(join(root, 'sub', f.path.slice(sources.length + 1))))).toBe(f.sha256);
    expect(temporaries(join(root, 'sub'))).toEqual([]);
  });

  it('writes none of the files when one name exists (409) or the form is too large (413)', async () => {
    const { root, url } = await start({ maxUploadSize: 500_000 });
    const fresh = source('fresh.bin', 100);
    const clash = await curl(['-F', `a=@${fresh.path}`, '-F', `b=@${source('existing.txt', 5).path}`, `${url}/`]);
    expect(clash.status).toBe(409);
    const large = await curl(['-F', `a=@${fresh.path}`, '-F', `b=@${source('huge.bin', 600_000).path}`, `${url}/`]);
    expect(large.status).toBe(413);
    expect(readdirSync(root).sort()).toEqual(['existing.txt', 'out', 'sub']);
  });
});

describe('uploads refuse hostile targets', () => {
  // Raw request targets: curl would normalise some of them away.
  it.for([
    { name: 'parent segment', target: '/../x', want: 400 },
    { name: 'encoded parent segment', target: '/%2e%2e/x', want: 400 },
    { name: 'encoded slash', target: '/a%2Fb', want: 400 },
    { name: 'backslash', target: '/a%5Cb', want: 400 },
    { name: 'NUL', target: '/x%00.txt', want: 400 },
    { name: 'newline', target: '/x%0A.txt', want: 400 },
    { name: 'DEL', target: '/x%7F', want: 400 },
    { name: 'dotfile', target: '/.htaccess', want: 400 },
    { name: 'a directory', target: '/sub/', want: 400 },
    { name: 'the root', target: '/', want: 400 },
    { name: 'a missing directory', target: '/a/b', want: 404 },
    { name: 'a symlink out of the root', target: '/out/x', want: 404 },
    { name: 'a name that is a directory', target: '/sub', want: 409 },
    { name: 'a file as directory', target: '/existing.txt/x', want: 404 },
    { name: 'malformed percent-encoding', target: '/%zz', want: 400 },
  ])('PUT $name ($target) → $want', async ({ target, want }) => {
    const { root } = await start();
    const answer = await raw(
      running!.port,
      `PUT ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`,
    );
    expect(statusOf(answer)).toBe(want);
    if (want === 400) expect(answer).toMatch(/Refused upload (name|path)/);
    expect(readdirSync(root).sort()).toEqual(['existing.txt', 'out', 'sub']);
    expect(readdirSync(join(root, 'sub'))).toEqual([]);
    expect(readdirSync(join(root, 'out'))).toEqual([]);
  });

  it.for([
    { name: 'parent path', filename: '../x.txt' },
    { name: 'slash', filename: 'a/b.txt' },
    { name: 'backslash', filename: 'a\\b.txt' },
    { name: 'dotfile', filename: '.env' },
    { name: 'dot-dot', filename: '..' },
    { name: 'control character', filename: 'a\u0001b' },
    { name: 'too long', filename: 'x'.repeat(256) },
  ])('a form file named by $name → 400, nothing written', async ({ filename }) => {
    // RFC 5987 `filename*`: any byte can be spelled, so the name check (not the parser) decides
    const { root } = await start();
    const boundary = 'XyZ';
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="ok"; filename="fine.txt"\r\n\r\nfine\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename*=UTF-8''${encodeURIComponent(filename)}\r\n\r\nbad\r\n--${boundary}--\r\n`,
      'latin1',
    );
    const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const answer = await raw(running!.port, Buffer.concat([Buffer.from(head), body]));
    expect(statusOf(answer), `${answer}\n${running!.log.join('\n')}`).toBe(400);
    expect(answer).toContain('Refused upload name');
    expect(readdirSync(root).sort()).toEqual(['existing.txt', 'out', 'sub']);
  });
});

describe('an upload cut short leaves nothing behind', () => {
  it('a client that disconnects mid-upload leaves no file and no temporary file', async () => {
    const { root, port } = await start();
    const seen = new Promise<string>((resolve) => {
      const watcher = watch(root, (_event, name) => {
        if (name?.includes('.upload-')) {
          watcher.close();
          resolve(name);
        }
      });
    });
    const socket = net.connect(port, '127.0.0.1');
    socket.write(`PUT /cut.bin HTTP/1.1\r\nHost: x\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`);
    socket.write(randomBytes(2 * 1024 * 1024));
    const temporary = await seen;
    const gone = new Promise<void>((resolve) => {
      const watcher = watch(root, () => {
        if (!existsSync(join(root, temporary))) {
          watcher.close();
          resolve();
        }
      });
      if (!existsSync(join(root, temporary))) resolve();
    });
    socket.destroy();
    await gone;
    expect(readdirSync(root).sort()).toEqual(['existing.txt', 'out', 'sub']);
  });
});

describe('with upload off (the default)', () => {
  it('PUT and POST answer 501 as before, and the listing has no form', async () => {
    const { url, port } = await start({ upload: false });
    const put = await raw(port, 'PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
    expect(put).toMatch(/^HTTP\/1\.1 501 Unsupported method \('PUT'\)/);
    expect(
      statusOf(await raw(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')),
    ).toBe(501);
    expect((await get(Number(new URL(url).port), '/')).body.toString()).not.toContain('<form');
  });

  it('the listing shows the upload form when upload is on', async () => {
    const { port } = await start();
    const page = (await get(port, '/sub/')).body.toString();
    expect(page).toContain('<form method="post" enctype="multipart/form-data" action="">');
    const json = (await get(port, '/sub/', { Accept: 'application/json' })).body.toString();
    expect(json).not.toContain('<form');
  });
});
