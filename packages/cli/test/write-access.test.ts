// --upload and --auth / --auth-file on the real bin, and the warning for open uploads.
import { request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/command-line.js';
import { openUploadWarning } from '../src/internal/messages.js';
import { get, layerReady, startCli, tempDir } from './helpers.js';

const ready =
  (await layerReady('@httpstack/basehttpserver', 'BasicCredentials')) &&
  (await layerReady('@httpstack/simplehttpserver', 'SimpleHTTPRequestHandler'));

/** A PUT of `body` with Node's client; resolves to the status. */
function put(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'PUT', headers: { 'Content-Length': String(Buffer.byteLength(body)), ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const basic = (credentials: string) => ({ Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });

describe.skipIf(!ready)('httpstack --upload --auth-file', () => {
  it('asks for the password for listings, files and uploads, and stores an authenticated upload', async () => {
    const dir = tempDir();
    const users = join(tempDir(), 'users');
    writeFileSync(users, 'ann:correct horse\n');
    const cli = await startCli(['-b', '127.0.0.1', '-d', dir, '--upload', '--auth-file', users, '0']);
    expect(cli.stderr()).not.toContain('warning');
    expect((await get(cli.url)).status).toBe(401);
    expect(await put(`${cli.url}note.txt`, 'no')).toBe(401);
    expect(await put(`${cli.url}note.txt`, 'wrong', basic('ann:battery'))).toBe(401);
    expect(await put(`${cli.url}note.txt`, 'hello', basic('ann:correct horse'))).toBe(201);
    expect(readFileSync(join(dir, 'note.txt'), 'utf8')).toBe('hello');
    expect(await put(`${cli.url}note.txt`, 'again', basic('ann:correct horse'))).toBe(409);
    expect((await get(`${cli.url}note.txt`, { headers: basic('ann:correct horse') })).body).toBe('hello');
    expect(cli.stderr()).toMatch(/^127\.0\.0\.1 - - \[.*\] Authentication failed for user 'ann'$/m);
  });

  it('without --upload, PUT answers 501 as before', async () => {
    const dir = tempDir();
    const cli = await startCli(['-b', '127.0.0.1', '-d', dir, '0']);
    expect(await put(`${cli.url}x.txt`, 'x')).toBe(501);
  });
});

describe('openUploadWarning', () => {
  it.for([
    {
      args: ['--upload'],
      bind: { kind: 'tcp', host: '::', port: 8000 },
      auth: false,
      want: /--upload without --auth on all interfaces/,
    },
    { args: ['--upload'], bind: { kind: 'tcp', host: '192.0.2.7', port: 8000 }, auth: false, want: /on 192\.0\.2\.7/ },
    { args: ['--upload'], bind: { kind: 'tcp', host: '0.0.0.0', port: 8000 }, auth: true, want: undefined },
    { args: ['--upload'], bind: { kind: 'tcp', host: '127.0.0.1', port: 8000 }, auth: false, want: undefined },
    { args: ['--upload'], bind: { kind: 'tcp', host: '::1', port: 8000 }, auth: false, want: undefined },
    { args: ['--upload'], bind: { kind: 'unix', path: 'web.sock' }, auth: false, want: undefined },
    { args: [], bind: { kind: 'tcp', host: '::', port: 8000 }, auth: false, want: undefined },
  ] as const)('$args on $bind.host (auth: $auth)', ({ args, bind, auth, want }) => {
    const warning = openUploadWarning(parseCommandLine([...args]), bind, auth);
    if (want === undefined) expect(warning).toBeUndefined();
    else expect(warning).toMatch(want);
  });
});
