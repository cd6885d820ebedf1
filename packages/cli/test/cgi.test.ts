// --cgi: CGIHTTPRequestHandler serving scripts from /cgi-bin.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get, layerReady, startCli } from './helpers.js';

const SITE = join(import.meta.dirname, 'fixtures', 'site');
const ready = (await layerReady('@httpstack/basehttpserver', 'HTTPServer')) && (await layerReady('@httpstack/cgihttpserver', 'CGIHTTPRequestHandler'));

describe.skipIf(!ready)('httpstack --cgi (CGIHTTPRequestHandler)', () => {
  it('runs a script in /cgi-bin and still serves files', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--cgi', '0']);
    const script = await get(`${cli.url}cgi-bin/pid.sh`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/plain');
    expect(script.body).toMatch(/^CGI\/1\.1 pid=\d+\n$/);
    expect((await get(`${cli.url}hello.txt`)).body).toBe('hello from httpstack\n');
  });

  it('without --cgi, a script is a file like any other', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '0']);
    expect((await get(`${cli.url}cgi-bin/pid.sh`)).body).toContain('"$GATEWAY_INTERFACE" "$PPID"');
  });

  // The script's parent is the worker, or a spawn helper of the worker: one per worker either way.
  it('with --workers 2, scripts run under two worker PIDs', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--cgi', '--workers', '2', '0']);
    const pids = new Set<string>();
    for (let i = 0; i < 200 && pids.size < 2; i++) pids.add((await get(`${cli.url}cgi-bin/pid.sh`, { agent: false })).body);
    expect(pids.size).toBe(2);
    expect(pids.has(`CGI/1.1 pid=${cli.child.pid}\n`)).toBe(false);
  });
});
