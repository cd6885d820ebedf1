// Real CGI applications through the `httpstack` CLI, set up as docs/guide/cgi.md says:
// php-cgi, gitweb, cgit and git http-backend (clone, push, chunked push, a clone slower
// than the idle limit). Each is installed from Debian by .ci/run; missing ones skip.
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerReady, startCli } from './helpers.js';

const run = promisify(execFile);
const PHP_CGI = '/usr/bin/php-cgi';
const GITWEB = '/usr/share/gitweb/gitweb.cgi';
const CGIT = '/usr/lib/cgit/cgit.cgi';
const PERL = '/usr/bin/perl';
const GIT_EXEC = (() => {
  try {
    return execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
})();
const HTTP_BACKEND = GIT_EXEC && join(GIT_EXEC, 'git-http-backend');
const has = (path: string | undefined, why: string) => {
  const found = path !== undefined && existsSync(path);
  if (!found) console.warn(`skipping: ${why} not installed (.ci/run installs it from Debian)`);
  return found;
};
const HAVE = {
  php: has(PHP_CGI, 'php-cgi (php-cgi)'),
  gitweb: has(GITWEB, 'gitweb (gitweb)') && existsSync(PERL),
  cgit: has(CGIT, 'cgit (cgit)'),
  git: has(HTTP_BACKEND, 'git http-backend (git)'),
};
const ready =
  (await layerReady('@httpstack/cgihttpserver', 'CGIHTTPRequestHandler')) && Object.values(HAVE).some(Boolean);
const ROOT = process.getuid?.() === 0;

let base: string;
let work: string;
const git = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });

/** Gives `path` and all below to `nobody` (scripts run as nobody when the server runs as root; pushes write). */
function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

/** The layout of docs/guide/cgi.md: site/ served, repositories in srv/git, configs beside. */
beforeAll(async () => {
  if (!ready) return;
  base = mkdtempSync(join(tmpdir(), 'httpstack-cgi-apps-'));
  chmodSync(base, 0o755);
  for (const dir of ['site/cgi-bin', 'site/app', 'srv/git', 'work'])
    mkdirSync(join(base, dir), { recursive: true, mode: 0o755 });
  work = join(base, 'work');
  const cgiBin = join(base, 'site', 'cgi-bin');
  if (HAVE.php) writeFileSync(join(base, 'site', 'app', 'page.php'), PHP_PAGE, { mode: 0o644 });
  if (HAVE.gitweb) symlinkSync(GITWEB, join(cgiBin, 'gitweb.cgi'));
  if (HAVE.cgit) symlinkSync(CGIT, join(cgiBin, 'cgit.cgi'));
  if (HAVE.git) {
    symlinkSync(HTTP_BACKEND!, join(cgiBin, 'git-http-backend'));
    writeFileSync(join(cgiBin, 'slow-backend'), slowBackend(HTTP_BACKEND!), { mode: 0o755 });
  }
  writeFileSync(
    join(base, 'gitweb.conf'),
    `$projectroot = "${join(base, 'srv', 'git')}";\n$feature{'snapshot'}{'default'} = ['tgz'];\n`,
  );
  writeFileSync(join(base, 'cgitrc'), `scan-path=${join(base, 'srv', 'git')}\n`);
  // A project with a commit, a tree and 256 KiB of incompressible data.
  const source = join(work, 'source');
  mkdirSync(join(source, 'src'), { recursive: true });
  writeFileSync(join(source, 'README'), 'hello from the project\n');
  writeFileSync(join(source, 'src', 'main.c'), 'int main(void) { return 0; }\n');
  writeFileSync(join(source, 'noise.bin'), randomBytes(256 * 1024));
  await git(source, ['init', '-q']);
  await git(source, ['add', '.']);
  await git(source, ['commit', '-q', '-m', 'first commit']);
  const bare = join(base, 'srv', 'git', 'project.git');
  await git(work, ['clone', '-q', '--bare', source, bare]);
  await git(bare, ['config', 'http.receivepack', 'true']);
  await git(bare, ['update-server-info']); // for cgit's dumb-HTTP clone
  if (ROOT) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }));
    chownTree(join(base, 'srv', 'git'), id('-u'), id('-g'));
  }
});
afterAll(() => base && rmSync(base, { recursive: true, force: true }));

const PHP_PAGE = `<?php
if (isset($_GET['go'])) { header('Location: /app/page.php?q=moved'); exit; }
setcookie('visit', 'one');
header('Content-Type: text/plain');
echo 'q=', $_GET['q'] ?? '', "\\n";
echo 'name=', $_POST['name'] ?? '', "\\n";
echo 'cookie=', $_COOKIE['seen'] ?? '', "\\n";
if (isset($_FILES['upload'])) {
  echo 'upload=', $_FILES['upload']['name'], ' ', $_FILES['upload']['size'], ' ', hash_file('sha256', $_FILES['upload']['tmp_name']), "\\n";
}
`;

/** A wrapper that hands git http-backend's output on in 16 KiB pieces, 150 ms apart: a slow transfer. */
function slowBackend(backend: string): string {
  return `#!${PERL}\n$| = 1;\nbinmode STDOUT;\nopen(my $git, '-|', '${backend}') or die "cannot run git http-backend: $!";\nbinmode $git;\nwhile (read($git, my $piece, 16384)) { print $piece; select(undef, undef, undef, 0.15); }\n`;
}

/** `httpstack` as the guide sets it up, on a free port. */
function startApps(extra: string[] = []) {
  const srv = join(base, 'srv', 'git');
  return startCli([
    '-b',
    '127.0.0.1',
    '-d',
    join(base, 'site'),
    '-p',
    'HTTP/1.1',
    '--cgi',
    '-q',
    '--cgi-dir',
    '/app',
    '--cgi-interpreter',
    `.php=${PHP_CGI}`,
    '--cgi-env',
    `GITWEB_CONFIG=${join(base, 'gitweb.conf')}`,
    '--cgi-env',
    `CGIT_CONFIG=${join(base, 'cgitrc')}`,
    '--cgi-env',
    `GIT_PROJECT_ROOT=${srv}`,
    '--cgi-env',
    'GIT_HTTP_EXPORT_ALL=1',
    ...extra,
    '0',
  ]);
}

describe.skipIf(!ready || !HAVE.php)('php-cgi (--cgi-interpreter .php=/usr/bin/php-cgi)', () => {
  it('answers $_GET, $_POST, cookies, a multipart upload (checked by hash) and header("Location")', async () => {
    const cli = await startApps();
    const page = `${cli.url}app/page.php`;
    const got = await fetch(`${page}?q=caf%C3%A9`, { headers: { cookie: 'seen=yes; other=1' } });
    expect(got.status).toBe(200);
    expect(got.headers.get('set-cookie')).toBe('visit=one');
    expect(await got.text()).toBe('q=café\nname=\ncookie=yes\n');
    const posted = await fetch(page, { method: 'POST', body: new URLSearchParams({ name: 'Ada & Bob' }) });
    expect(await posted.text()).toBe('q=\nname=Ada & Bob\ncookie=\n');
    const file = randomBytes(1024 * 1024);
    const form = new FormData();
    form.append('name', 'upload');
    form.append('upload', new Blob([file]), 'data.bin');
    const uploaded = await fetch(page, { method: 'POST', body: form });
    const sha = createHash('sha256').update(file).digest('hex');
    expect(await uploaded.text()).toContain(`upload=data.bin ${file.length} ${sha}\n`);
    const moved = await fetch(`${page}?go=1`, { redirect: 'manual' });
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe('/app/page.php?q=moved');
  });

  it('a .php file outside the CGI directories is refused, never served as source', async () => {
    writeFileSync(join(base, 'site', 'secret.php'), '<?php $password = "hunter2";', { mode: 0o644 });
    const cli = await startApps();
    const got = await fetch(`${cli.url}secret.php`);
    expect(got.status).toBe(403);
    expect(await got.text()).not.toContain('hunter2');
  });
});

describe.skipIf(!ready || !HAVE.gitweb)('gitweb (GITWEB_CONFIG by --cgi-env)', () => {
  it.for([
    { action: 'summary', want: 'first commit' },
    { action: 'log', want: 'first commit' },
    { action: 'tree', want: 'noise.bin' },
    { action: 'blob_plain;f=README;hb=HEAD', want: 'hello from the project' },
  ])('a=$action', async ({ action, want }) => {
    const cli = await startApps();
    const got = await fetch(`${cli.url}cgi-bin/gitweb.cgi?p=project.git;a=${action}`);
    expect(got.status).toBe(200);
    expect(await got.text()).toContain(want);
  });

  it('a=snapshot gives a tar.gz of the tree', async () => {
    const cli = await startApps();
    const got = await fetch(`${cli.url}cgi-bin/gitweb.cgi?p=project.git;a=snapshot;h=HEAD;sf=tgz`);
    expect(got.status).toBe(200);
    const archive = join(base, 'work', 'snapshot.tgz');
    writeFileSync(archive, Buffer.from(await got.arrayBuffer()));
    const listing = execFileSync('tar', ['tzf', archive], { encoding: 'utf8' });
    expect(listing).toMatch(/\/README\n/);
    expect(listing).toMatch(/\/src\/main\.c\n/);
  });
});

describe.skipIf(!ready || !HAVE.cgit)('cgit (CGIT_CONFIG by --cgi-env)', () => {
  it.for([
    { path: '', want: 'project.git' },
    { path: 'project.git/log/', want: 'first commit' },
    { path: 'project.git/tree/src/', want: 'main.c' },
  ])('/cgi-bin/cgit.cgi/$path', async ({ path, want }) => {
    const cli = await startApps();
    const got = await fetch(`${cli.url}cgi-bin/cgit.cgi/${path}`);
    expect(got.status).toBe(200);
    expect(await got.text()).toContain(want);
  });

  it('git clone through cgit (dumb HTTP)', async () => {
    const cli = await startApps();
    const into = join(work, `cgit-clone-${Date.now()}`);
    await git(work, ['clone', '-q', `${cli.url}cgi-bin/cgit.cgi/project.git`, into]);
    expect(readFileSync(join(into, 'README'), 'utf8')).toBe('hello from the project\n');
  });
});

describe.skipIf(!ready || !HAVE.git)('git http-backend (GIT_PROJECT_ROOT by --cgi-env)', () => {
  it('clone, push, and a chunked push (a pack larger than http.postBuffer)', async () => {
    const cli = await startApps();
    const remote = `${cli.url}cgi-bin/git-http-backend/project.git`;
    const mine = join(work, `backend-${Date.now()}`);
    await git(work, ['clone', '-q', remote, mine]);
    expect(readFileSync(join(mine, 'README'), 'utf8')).toBe('hello from the project\n');
    writeFileSync(join(mine, 'second.txt'), 'second\n');
    await git(mine, ['add', '.']);
    await git(mine, ['commit', '-q', '-m', 'second commit']);
    await git(mine, ['push', '-q', 'origin', 'HEAD:main']);
    writeFileSync(join(mine, 'big.bin'), randomBytes(200 * 1024));
    await git(mine, ['add', '.']);
    await git(mine, ['commit', '-q', '-m', 'third commit']);
    const pushed = await git(mine, ['-c', 'http.postBuffer=4096', 'push', 'origin', 'HEAD:main'], {
      GIT_TRACE_CURL: '1',
      GIT_TRACE_CURL_NO_DATA: '1',
    });
    expect(pushed.stderr).toMatch(/Send header: Transfer-Encoding: chunked/);
    const again = join(work, `backend-again-${Date.now()}`);
    await git(work, ['clone', '-q', remote, again]);
    const { stdout } = await git(again, ['log', '--format=%s']);
    expect(stdout).toBe('third commit\nsecond commit\nfirst commit\n');
  });

  it('a clone whose transfer outlasts the idle limit succeeds (--cgi-idle-timeout 1)', async () => {
    const cli = await startApps(['--cgi-idle-timeout', '1']);
    const into = join(work, `slow-${Date.now()}`);
    const started = performance.now();
    await git(work, ['clone', '-q', `${cli.url}cgi-bin/slow-backend/project.git`, into]);
    expect(performance.now() - started).toBeGreaterThan(2000); // more than twice the idle limit
    expect(readFileSync(join(into, 'README'), 'utf8')).toBe('hello from the project\n');
  });
});
