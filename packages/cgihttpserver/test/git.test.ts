// `git http-backend` behind a wrapper in cgi-bin: git clone and git push over our server.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, makeFixture, serve, type Fixture, type Running } from './helpers.js';

const run = promisify(execFile);

function gitExecPath(): string | undefined {
  try {
    return execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const EXEC_PATH = gitExecPath();
if (!EXEC_PATH) console.warn('git not found: the git http-backend tests are skipped');

/** Gives `path` and everything under it to uid/gid (scripts run as nobody when we are root). */
function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

let fixture: Fixture;
let running: Running;
let work: string;
const git = (cwd: string, ...args: string[]) =>
  run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
  });

beforeAll(async () => {
  if (!EXEC_PATH) return;
  fixture = makeFixture();
  const repos = join(fixture.root, '..', 'repos');
  work = join(fixture.root, '..', 'work');
  mkdirSync(repos, { mode: 0o755 });
  mkdirSync(work);
  await git(repos, 'init', '--bare', '-q', 'project.git');
  await git(join(repos, 'project.git'), 'config', 'http.receivepack', 'true');
  if (IS_ROOT) chownTree(repos, 65534, 65534);
  // The wrapper: the only thing in cgi-bin that knows about git.
  const wrapper = join(fixture.root, 'cgi-bin', 'git');
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `export GIT_PROJECT_ROOT='${repos}'`,
      'export GIT_HTTP_EXPORT_ALL=1',
      `exec '${join(EXEC_PATH, 'git-http-backend')}'`,
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
  running = await serve(fixture.root);
});
afterAll(async () => {
  await running?.close();
  fixture?.remove();
});

describe.skipIf(!EXEC_PATH)('git over HTTP through git http-backend', () => {
  it('pushes to and clones from a bare repository', async () => {
    const source = join(work, 'source');
    mkdirSync(source);
    await git(source, 'init', '-q');
    writeFileSync(join(source, 'README'), 'hello over CGI\n');
    // A file large enough that git sends the pack with a chunked request body.
    writeFileSync(
      join(source, 'blob.bin'),
      Buffer.from(Array.from({ length: 3 << 20 }, (_, i) => (i * 2654435761) >>> 24)),
    );
    await git(source, 'add', '.');
    await git(source, 'commit', '-q', '-m', 'first');
    const remote = `${running.url}/cgi-bin/git/project.git`;
    await git(source, 'push', '-q', remote, 'HEAD:refs/heads/main');

    await git(work, 'clone', '-q', remote, 'copy');
    const { stdout } = await git(join(work, 'copy'), 'log', '--format=%s');
    expect(stdout.trim()).toBe('first');
    const { stdout: readme } = await run('cat', [join(work, 'copy', 'README')]);
    expect(readme).toBe('hello over CGI\n');
    expect(statSync(join(work, 'copy', 'blob.bin')).size).toBe(3 << 20);
  });

  it('serves ls-remote after the push (smart HTTP info/refs)', async () => {
    const { stdout } = await git(work, 'ls-remote', `${running.url}/cgi-bin/git/project.git`);
    expect(stdout).toMatch(/refs\/heads\/main/);
  });
});
