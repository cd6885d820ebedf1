// HTTPS: Python 3.14's --tls-cert/--tls-key/--tls-password-file, and --tls-self-signed.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { get, layerReady, startCli } from './helpers.js';

const SITE = join(import.meta.dirname, 'fixtures', 'site');
const TLS = join(import.meta.dirname, 'fixtures', 'tls');
const ready =
  (await layerReady('@httpstack/basehttpserver', 'HTTPSServer')) &&
  (await layerReady('@httpstack/simplehttpserver', 'SimpleHTTPRequestHandler'));

describe.skipIf(!ready)('httpstack over HTTPS', () => {
  it('serves with --tls-cert, an encrypted --tls-key and --tls-password-file', async () => {
    const cli = await startCli([
      '-b',
      '127.0.0.1',
      '-d',
      SITE,
      '--tls-cert',
      join(TLS, 'cert.pem'),
      '--tls-key',
      join(TLS, 'key-encrypted.pem'),
      '--tls-password-file',
      join(TLS, 'password.txt'),
      '0',
    ]);
    expect(cli.stdout()).toContain(`Serving HTTPS on 127.0.0.1 port ${cli.port} (https://127.0.0.1:${cli.port}/) ...`);
    // Verified against the fixture's certificate, for the name localhost.
    const got = await get(`https://127.0.0.1:${cli.port}/hello.txt`, {
      ca: readFileSync(join(TLS, 'cert.pem')),
      servername: 'localhost',
    });
    expect(got.status).toBe(200);
    expect(got.body).toBe('hello from httpstack\n');
  });

  it('--tls-self-signed answers over HTTPS with the certificate whose fingerprint it printed', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--tls-self-signed', '0']);
    const [, fingerprint] =
      /^TLS certificate SHA-256 fingerprint: ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})$/m.exec(cli.stdout()) ?? [];
    expect(fingerprint).toBeDefined();
    expect(cli.stdout()).toMatch(/^Self-signed certificate for localhost, 127\.0\.0\.1, ::1, valid 7 days /m);
    // Python's banner is the first line (tools read it), the certificate lines after it.
    const lines = cli.stdout().split('\n');
    expect(lines[0]).toBe(`Serving HTTPS on 127.0.0.1 port ${cli.port} (https://127.0.0.1:${cli.port}/) ...`);
    expect(lines.findIndex((text) => text.startsWith('TLS certificate SHA-256 fingerprint:'))).toBeGreaterThan(0);
    const got = await get(`${cli.url}hello.txt`, { rejectUnauthorized: false });
    expect(got.status).toBe(200);
    expect(got.fingerprint).toBe(fingerprint);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('--tls-self-signed makes a new certificate each run', async () => {
    const first = await startCli(['-b', '127.0.0.1', '-d', SITE, '--tls-self-signed', '0']);
    const second = await startCli(['-b', '127.0.0.1', '-d', SITE, '--tls-self-signed', '0']);
    const print = (out: string) => /fingerprint: (\S+)/.exec(out)?.[1];
    expect(print(first.stdout())).not.toBe(print(second.stdout()));
  });
});
