// Every file name: not UTF-8, backslashes, markup, NFC/NFD, emoji — listed, fetched, mirrored.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, serve, type Running } from './helpers.js';

const POSIX = process.platform !== 'win32';
const hasWget = spawnSync('wget', ['--version']).status === 0;
if (!hasWget) console.warn('wget not found (apt-get install wget): the mirror test is skipped');

/** Names as bytes: each is a file holding its own name, so a mix-up shows. */
const NAMES: Buffer[] = [
  'a b.txt',
  'amp&.txt',
  'hash#.txt',
  'question?.txt',
  'percent%.txt',
  '100%25.txt',
  'plus+.txt',
  'semi;.txt',
  "quote'.txt",
  'dquote".txt',
  '<lt>.txt',
  'caf\u00e9-nfc.txt',
  'cafe\u0301-nfd.txt',
  'emoji-\u{1f600}.txt',
  'back\\slash.txt',
  'dir with space/inner file.txt',
  'sub&dir/x#y.txt',
  'deep/er\\dir/z.txt',
].map((name) => Buffer.from(name));
const LATIN = Buffer.concat([Buffer.from('latin'), Buffer.from([0xe9]), Buffer.from('.txt')]);
const BROKEN = Buffer.concat([Buffer.from('cut-'), Buffer.from([0xe2, 0x82]), Buffer.from('.txt')]);
if (POSIX)
  NAMES.push(LATIN, BROKEN, Buffer.concat([Buffer.from('bytes-'), Buffer.from([0xff]), Buffer.from('/in.txt')]));

let base: string;
let root: string;
let running: Running;
beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'httpstack-names-'));
  root = join(base, 'root');
  for (const name of NAMES) {
    const path = Buffer.concat([Buffer.from(root + '/'), name]);
    const slash = path.lastIndexOf(0x2f);
    mkdirSync(path.subarray(0, slash), { recursive: true });
    writeFileSync(path, Buffer.concat([Buffer.from('file '), name, Buffer.from('\n')]));
  }
  mkdirSync(join(root, 'refused'));
  running = await serve({ directory: root });
});
afterAll(async () => {
  await running?.close();
  rmSync(base, { recursive: true, force: true });
});

/** The URL path of a name: each byte outside the unreserved set percent-encoded. */
function urlOf(name: Buffer): string {
  let url = '/';
  for (const byte of name)
    url +=
      byte === 0x2f || /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return url;
}

describe('every file name is fetchable by its bytes', () => {
  it.for(NAMES.map((name) => [name.toString('latin1'), name] as const))('GET %s', async ([, name]) => {
    const reply = await get(running.port, urlOf(name));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(Buffer.concat([Buffer.from('file '), name, Buffer.from('\n')]));
  });
});

describe.skipIf(!POSIX)('names that are not UTF-8 (Python: surrogateescape)', () => {
  it('are listed with their raw bytes percent-encoded and shown readably', async () => {
    const page = (await get(running.port, '/')).body.toString('utf8');
    expect(page).toContain('href="latin%E9.txt"');
    expect(page).toContain('latin<span class="raw" title="byte 0xE9, not UTF-8">\u00e9</span>.txt');
    expect(page).toContain('href="cut-%E2%82.txt"');
    expect(page).toContain('href="bytes-%FF/"');
    expect(page).not.toContain('\ufffd');
  });

  it('list the names inside a directory whose name is not UTF-8', async () => {
    const reply = await get(running.port, '/bytes-%FF/');
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toContain('href="in.txt"');
  });

  it('redirect a directory without its slash to the same bytes', async () => {
    const reply = await get(running.port, '/bytes-%FF');
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe('/bytes-%FF/');
  });
});

describe('the listing never shows a link the server refuses', () => {
  it.for(['c:drive.txt', '.hidden'])('leaves out %s, which a request cannot name', async (name) => {
    writeFileSync(join(root, 'refused', name), 'x');
    const page = (await get(running.port, '/refused/')).body.toString('utf8');
    expect(page).not.toContain(encodeURIComponent(name));
    expect(page).not.toContain(`>${name}<`);
    expect((await get(running.port, `/refused/${encodeURIComponent(name)}`)).status).toBe(404);
  });
});

describe.skipIf(!POSIX)('backslashes are ordinary characters of a name', () => {
  it('lists back\\slash.txt with a link the server answers', async () => {
    const page = (await get(running.port, '/')).body.toString('utf8');
    expect(page).toContain('href="back%5Cslash.txt"');
    expect((await get(running.port, '/back%5Cslash.txt')).status).toBe(200);
    expect((await get(running.port, '/back\\slash.txt')).status).toBe(200);
  });

  it.for(['/deep/er\\dir', '/deep/er%5Cdir', '/\\evil.example/..', '/%5Cevil.example'])(
    'never redirects %s off-site: the backslash is encoded in Location',
    async (target) => {
      const reply = await get(running.port, target);
      if (reply.status === 301) expect(reply.headers.location).toMatch(/^\/[^/\\]/);
      else expect(reply.status).toBe(404);
      expect(reply.headers.location ?? '').not.toContain('\\');
    },
  );
});

/** Every regular file under `dir`, as relative byte paths (latin1 strings keep the bytes). */
function filesUnder(dir: Buffer, prefix = ''): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { encoding: 'buffer', withFileTypes: true })) {
    const path = Buffer.concat([dir, Buffer.from('/'), entry.name]);
    const relative = prefix + entry.name.toString('latin1');
    if (entry.isDirectory()) for (const [k, v] of filesUnder(path, relative + '/')) files.set(k, v);
    else if (statSync(path).isFile()) files.set(relative, readFileSync(path));
  }
  return files;
}

describe.skipIf(!hasWget)('wget --mirror', () => {
  it('copies every served file byte-identical', async () => {
    const out = join(base, 'mirror');
    const wget = spawn('wget', [
      '--mirror',
      '--no-parent',
      '--no-host-directories',
      '--restrict-file-names=nocontrol',
      '--reject-regex',
      '[?]',
      '-q',
      '-e',
      'robots=off',
      '-P',
      out,
      `http://127.0.0.1:${running.port}/`,
    ]);
    const code = await new Promise((resolve) => wget.on('close', resolve));
    expect([0, 8]).toContain(code); // 8: some answer was an error (wget still copies the rest)
    const want = filesUnder(Buffer.from(root));
    for (const name of want.keys()) if (name.startsWith('refused/')) want.delete(name); // not served, by design
    const got = filesUnder(Buffer.from(out));
    for (const name of got.keys()) if (name.endsWith('index.html')) got.delete(name); // the listings themselves
    // wget names its copy of `100%25.txt` `100%.txt` (it decodes `%25` in local names); each
    // file holds its own name, so comparing the sets of bytes still checks every file
    const local = (name: string) => name.replaceAll('%25', '%');
    expect([...got.keys()].sort()).toEqual([...want.keys()].map(local).sort());
    for (const [name, bytes] of want) expect(got.get(local(name)), name).toEqual(bytes);
  }, 60_000);
});
