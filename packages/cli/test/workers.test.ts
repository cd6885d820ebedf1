// --workers N: ForkingMixIn processes re-running the command and sharing the port.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get, layerReady, runCli, startCli, waitUntil } from './helpers.js';

const SITE = join(import.meta.dirname, 'fixtures', 'site');
const ready =
  (await layerReady('@httpstack/basehttpserver', 'HTTPServer')) &&
  (await layerReady('@httpstack/simplehttpserver', 'SimpleHTTPRequestHandler'));

/** PIDs of the JSON access-log lines for `path`. */
function pidsFor(stderr: string, path: string): Set<number> {
  const pids = new Set<number>();
  for (const line of stderr.slice(0, stderr.lastIndexOf('\n')).split('\n')) {
    // complete lines only
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line) as { path?: string; pid: number };
    if (record.path === path) pids.add(record.pid);
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!ready)('httpstack --workers (ForkingMixIn)', () => {
  it('answers from two worker PIDs with --workers 2, and SIGTERM stops them all (exit 0)', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--workers', '2', '--log-format', 'json', '0']);
    expect(cli.stdout().match(/^Serving HTTP on /gm)).toHaveLength(1); // the banner, once
    // The banner comes once the first worker listens; the second may still be starting.
    for (let i = 0; i < 200 && pidsFor(cli.stderr(), '/hello.txt').size < 2; i++) {
      expect((await get(`${cli.url}hello.txt`, { agent: false })).status).toBe(200);
    }
    await waitUntil(cli.child, () => pidsFor(cli.stderr(), '/hello.txt').size >= 2);
    const pids = pidsFor(cli.stderr(), '/hello.txt');
    expect(pids.size).toBe(2);
    expect(pids.has(cli.child.pid!)).toBe(false);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it('Ctrl-C prints the interrupt message once and exits 0', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--workers', '2', '0']);
    expect((await get(`${cli.url}hello.txt`)).status).toBe(200);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout().match(/Keyboard interrupt received, exiting\./g)).toHaveLength(1);
  });

  it('workers share the --tls-self-signed certificate', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--workers', '2', '--tls-self-signed', '0']);
    const fingerprint = /fingerprint: (\S+)/.exec(cli.stdout())![1];
    for (let i = 0; i < 4; i++) {
      const got = await get(`${cli.url}hello.txt`, { rejectUnauthorized: false, agent: false });
      expect(got.fingerprint).toBe(fingerprint);
    }
  });

  it('says clearly when the port is in use, before starting workers (exit 1)', async () => {
    const first = await startCli(['-b', '127.0.0.1', '-d', SITE, '0']);
    const second = await runCli(['-b', '127.0.0.1', '--workers', '2', '-d', SITE, String(first.port)]);
    expect(second.stderr).toBe(
      `httpstack: error: port ${first.port} on 127.0.0.1 is already in use (is another server running? pick another port, or 0 for any free one)\n`,
    );
    expect(second.code).toBe(1);
  });
});
