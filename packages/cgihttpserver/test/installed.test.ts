// The package as a user gets it: `pnpm pack`ed with the layers below, installed with npm
// in a scratch project outside the workspace. Its postinstall builds the native spawn
// helper for this machine (the tarball ships the C source, not a binary); without it the
// Node helper runs, with a warning.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PACKAGES = ['socketserver', 'basehttpserver', 'simplehttpserver', 'cgihttpserver'];
const tools = ['npm', 'pnpm', 'cc'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
if (tools.length > 0) console.warn(`skipping the installed-package test: ${tools.join(', ')} not found`);
const linux = process.platform === 'linux';
if (!linux) console.warn('skipping the installed-package test: the native helper is built on Linux only');

let scratch: string;
beforeAll(() => {
  if (tools.length > 0 || !linux) return;
  scratch = mkdtempSync(join(tmpdir(), 'httpstack-installed-'));
  chmodSync(scratch, 0o755);
  const tarballs = join(scratch, 'tgz');
  mkdirSync(tarballs);
  for (const name of PACKAGES) {
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: join(import.meta.dirname, '..', '..', name),
      stdio: 'ignore',
    });
  }
  const app = join(scratch, 'app');
  mkdirSync(join(app, 'www', 'cgi-bin'), { recursive: true, mode: 0o755 });
  writeFileSync(join(app, 'package.json'), '{ "name": "scratch", "private": true, "type": "module" }\n');
  // The script names the program that started it: the native helper, or node.
  writeFileSync(
    join(app, 'www', 'cgi-bin', 'parent.sh'),
    '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\n"; ps -o comm= -p $PPID\n',
    { mode: 0o755 },
  );
  writeFileSync(join(app, 'serve.mjs'), SERVE);
  const files = PACKAGES.map((name) => join(tarballs, `httpstack-${name}-0.0.0.tgz`));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...files], {
    cwd: app,
    stdio: 'ignore',
  });
}, 180_000);
afterAll(() => scratch && rmSync(scratch, { recursive: true, force: true }));

/** The README's usage, relative directory and all; prints the status and the script's parent. */
const SERVE = `import { HTTPServer } from '@httpstack/basehttpserver';
import { CGIHTTPRequestHandler } from '@httpstack/cgihttpserver';
class Quiet extends CGIHTTPRequestHandler.configure({ directory: 'www' }) { logMessage() {} }
const server = new HTTPServer(['127.0.0.1', 0], Quiet);
await server.serverBind();
void server.serveForever();
const response = await fetch(\`http://127.0.0.1:\${server.serverAddress[1]}/cgi-bin/parent.sh\`);
console.log(response.status, (await response.text()).trim());
await server.shutdown();
await server.serverClose();
`;

const helper = () =>
  join(scratch, 'app', 'node_modules', '@httpstack', 'cgihttpserver', 'dist', 'internal', 'native-spawn-helper');
const serve = () =>
  spawnSync(process.execPath, ['serve.mjs'], { cwd: join(scratch, 'app'), encoding: 'utf8', timeout: 30_000 });

describe.skipIf(tools.length > 0 || !linux)('the packed package, installed with npm', () => {
  it('ships the C source and no binary; postinstall builds an executable helper for this machine', () => {
    const listing = execFileSync('tar', ['tzf', join(scratch, 'tgz', 'httpstack-cgihttpserver-0.0.0.tgz')], {
      encoding: 'utf8',
    });
    expect(listing).toContain('package/src/internal/native-spawn-helper.c');
    expect(listing).not.toMatch(/native-spawn-helper\n/);
    expect(statSync(helper()).mode & 0o111).toBe(0o111);
  });

  it('runs a script through the native helper', () => {
    const run = serve();
    expect(run.stdout).toBe('200 native-spawn-he\n'); // comm is cut at 15 characters
    expect(run.stderr).not.toContain('HTTPSTACK_NATIVE_HELPER');
  });

  it('without the helper (install scripts blocked), the Node helper runs, and a warning says so', () => {
    rmSync(helper());
    const run = serve();
    expect(run.stdout).toBe('200 node\n');
    expect(run.stderr).toContain('[HTTPSTACK_NATIVE_HELPER] Warning: the native CGI spawn helper is not built');
  });
});
