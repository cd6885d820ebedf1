// HTTPSServer's TLS defaults, checked with real TLS clients (openssl s_client, sslscan):
// ALPN http/1.1, TLS >= 1.2, forward-secret AEAD suites only, no renegotiation, a bounded
// handshake, and a clear 400 for plain HTTP on the TLS port.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPSServer } from '../src/index.js';
import { EchoHandler, exchange, parseResponses, serve, rsaCertificate } from './helpers.js';

const has = (command: string, args: string[]) => spawnSync(command, args).status === 0;
const hasOpenssl = has('openssl', ['version']);
const hasSslscan = has('sslscan', ['--version']);
if (!hasOpenssl) console.warn('openssl not found: the HTTPSServer defaults tests are skipped');
if (!hasSslscan)
  console.warn('sslscan not found: the cipher scan test is skipped (install the Debian package sslscan)');

/** Runs a command to its end (bounded), with `input` on stdin. */
function run(command: string, args: string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, out: stdout + stderr });
    });
    child.stdin!.end(input);
  });
}

/** A handler whose class declares a short head timeout (the handshake's bound). */
class ShortHead extends EchoHandler {}
Object.assign(ShortHead.prototype, { headTimeout: 300 });

describe.skipIf(!hasOpenssl)('HTTPSServer defaults (RSA certificate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'basehttpserver-tls-defaults-'));
  let tls: { key: Buffer; cert: Buffer };
  beforeAll(() => {
    tls = rsaCertificate(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sClient = async (port: number, ...args: string[]) =>
    run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args]);

  it('advertises ALPN http/1.1 (a client offering h2 and http/1.1 gets http/1.1)', async () => {
    const { port } = await serve(EchoHandler, { tls }, HTTPSServer);
    const { out } = await sClient(port, '-alpn', 'h2,http/1.1');
    expect(out).toContain('ALPN protocol: http/1.1');
  });

  it.for([
    { name: 'TLS 1.3', args: ['-tls1_3'], ok: true },
    {
      name: 'TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256',
      args: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'],
      ok: true,
    },
    {
      name: 'TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305',
      args: ['-tls1_2', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305'],
      ok: true,
    },
    { name: 'TLS 1.1', args: ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'], ok: false },
    { name: 'TLS 1.0', args: ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0'], ok: false },
    {
      name: 'TLS 1.2 RSA key exchange AES128-GCM-SHA256 (not forward-secret)',
      args: ['-tls1_2', '-cipher', 'AES128-GCM-SHA256'],
      ok: false,
    },
    { name: 'TLS 1.2 RSA key exchange AES128-SHA (CBC)', args: ['-tls1_2', '-cipher', 'AES128-SHA'], ok: false },
    {
      name: 'TLS 1.2 ECDHE-RSA-AES128-SHA (CBC, SHA-1)',
      args: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA'],
      ok: false,
    },
    {
      name: 'TLS 1.2 ECDHE-RSA-AES256-SHA384 (CBC)',
      args: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES256-SHA384'],
      ok: false,
    },
  ])('$name: handshake ok = $ok', async ({ args, ok }) => {
    const { port } = await serve(EchoHandler, { tls }, HTTPSServer);
    const { out } = await sClient(port, ...args);
    const cipher = /Cipher is (\S+)/.exec(out)?.[1];
    if (ok) expect(cipher, out).toMatch(/^(TLS_AES|TLS_CHACHA|ECDHE-RSA-(AES\d+-GCM|CHACHA20))/);
    else expect(cipher === undefined || cipher === '(NONE)', out).toBe(true);
  });

  it('refuses a client-initiated renegotiation', async () => {
    const { port } = await serve(EchoHandler, { tls }, HTTPSServer);
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (data: Buffer) => {
      out += data.toString();
      if (out.includes('Verify return code') && !out.includes('RENEGOTIATING')) child.stdin.write('R\n');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await once(child, 'close');
    clearTimeout(timer);
    expect(out).toContain('RENEGOTIATING');
    expect(out).toMatch(/no renegotiation/);
  });

  it.for([
    { name: 'silent connection', bytes: '' },
    { name: 'ClientHello cut short', bytes: '\x16\x03\x01\x02\x00\x01' },
  ])('a stalled handshake ($name) is closed after the head timeout', async ({ bytes }) => {
    const { port } = await serve(ShortHead, { tls }, HTTPSServer);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    const started = Date.now();
    if (bytes !== '') socket.write(Buffer.from(bytes, 'latin1'));
    socket.resume();
    await once(socket, 'close');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(10_000);
  });

  it('answers plain HTTP on the TLS port with a 400 that says so, and logs it', async () => {
    const { port } = await serve(EchoHandler, { tls }, HTTPSServer);
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((line: string) => (lines.push(String(line)), true)) as typeof process.stderr.write;
    let received: string;
    try {
      received = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    } finally {
      process.stderr.write = write;
    }
    const [response] = parseResponses(received);
    expect(response!.status).toBe(400);
    expect(response!.reason).toBe('The plain HTTP request was sent to HTTPS port');
    expect(response!.body).toContain('The plain HTTP request was sent to HTTPS port');
    expect(lines.join('')).toMatch(
      /^127\.0\.0\.1 - - \[.+\] code 400, message The plain HTTP request was sent to HTTPS port\n$/,
    );
  });

  it('options given win over the defaults (a server that wants TLS 1.3 only)', async () => {
    const { port } = await serve(EchoHandler, { tls: { ...tls, minVersion: 'TLSv1.3' } }, HTTPSServer);
    const { out } = await sClient(port, '-tls1_2');
    expect(/Cipher is (\S+)/.exec(out)?.[1] ?? '(NONE)').toBe('(NONE)');
  });

  it.skipIf(!hasSslscan)(
    'sslscan finds only TLS 1.2/1.3 forward-secret AEAD suites',
    async () => {
      const { port } = await serve(EchoHandler, { tls }, HTTPSServer);
      const { out } = await run('sslscan', ['--no-colour', `127.0.0.1:${port}`]);
      const accepted = out.split('\n').filter((line) => /^(Accepted|Preferred)\s/.test(line));
      expect(accepted.length, out).toBeGreaterThanOrEqual(4);
      for (const line of accepted)
        expect(line).toMatch(
          /^(Accepted|Preferred)\s+TLSv1\.[23]\s+\d+ bits\s+(TLS_AES_\d+_GCM|TLS_CHACHA20_POLY1305|ECDHE-RSA-(AES\d+-GCM|CHACHA20-POLY1305))/,
        );
      expect(out).toMatch(/TLSv1\.0\s+disabled/);
      expect(out).toMatch(/TLSv1\.1\s+disabled/);
    },
    60_000,
  );
});
