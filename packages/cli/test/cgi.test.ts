// --cgi: CGIHTTPRequestHandler serving scripts from /cgi-bin.
import { chmodSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get, layerReady, startCli, tempDir } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'site');

/**
 * A copy of the site in a temporary folder every user can enter: when the tests run as
 * root, scripts run as `nobody`, who may not reach the checkout (a clone in a 0700 folder).
 */
function site(): string {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}
const ready =
  (await layerReady('@httpstack/basehttpserver', 'HTTPServer')) &&
  (await layerReady('@httpstack/cgihttpserver', 'CGIHTTPRequestHandler'));

describe.skipIf(!ready)('httpstack --cgi (CGIHTTPRequestHandler)', () => {
  it('runs a script in /cgi-bin and still serves files', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', site(), '--cgi', '0']);
    const script = await get(`${cli.url}cgi-bin/pid.sh`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/plain');
    expect(script.body).toMatch(/^CGI\/1\.1 pid=\d+\n$/);
    expect((await get(`${cli.url}hello.txt`)).body).toBe('hello from httpstack\n');
  });

  it('without --cgi, a script is a file like any other', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', FIXTURE, '0']);
    expect((await get(`${cli.url}cgi-bin/pid.sh`)).body).toContain('"$GATEWAY_INTERFACE" "$PPID"');
  });

  const root = process.getuid?.() === 0;
  it.skipIf(!root)('warns when running as root and nobody cannot reach the folder', async () => {
    const dir = tempDir(); // 0700
    cpSync(FIXTURE, join(dir, 'site'), { recursive: true });
    const cli = await startCli(['-b', '127.0.0.1', '-d', join(dir, 'site'), '--cgi', '0']);
    expect(cli.stderr()).toBe(
      `httpstack: warning: running as root, CGI scripts run as nobody, who cannot enter ${dir} (mode 700); scripts will fail with 500\n`,
    );
  });

  // The script's parent is the worker, or a spawn helper of the worker: one per worker either way.
  it('with --workers 2, scripts run under two worker PIDs', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', site(), '--cgi', '--workers', '2', '0']);
    const pids = new Set<string>();
    for (let i = 0; i < 200 && pids.size < 2; i++)
      pids.add((await get(`${cli.url}cgi-bin/pid.sh`, { agent: false })).body);
    expect(pids.size).toBe(2);
    expect(pids.has(`CGI/1.1 pid=${cli.child.pid}\n`)).toBe(false);
  });
});
