// --proxy-protocol (the client address comes from the PROXY header, in the log too) and
// --shutdown-timeout (SIGTERM waits at most that long for requests in flight, then exits 0).
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refused, sendAndWaitClose as raw } from '@httpstack/test-kit';
import { layerReady, startCli, tempDir, waitUntil } from './helpers.js';

const SITE = join(import.meta.dirname, 'fixtures', 'site');
const ready =
  (await layerReady('@httpstack/basehttpserver', 'HTTPServer')) &&
  (await layerReady('@httpstack/simplehttpserver', 'SimpleHTTPRequestHandler'));

describe.skipIf(!ready)('httpstack --proxy-protocol', () => {
  it.for([['1'], ['2']])(
    '--workers %s: the PROXY header names the client in the access log; no header, no answer',
    async ([workers]) => {
      const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--proxy-protocol', '--workers', workers!, '0']);
      const answer = await raw(
        cli.port,
        'PROXY TCP4 198.51.100.23 127.0.0.1 41000 8000\r\nGET /hello.txt HTTP/1.0\r\n\r\n',
      );
      expect(answer).toMatch(/^HTTP\/1\.0 200 /);
      await waitUntil(cli.child, () =>
        /^198\.51\.100\.23 - - \[[^\]]+\] "GET \/hello\.txt HTTP\/1\.0" 200 /m.test(cli.stderr()),
      );
      expect(await raw(cli.port, 'GET /hello.txt HTTP/1.0\r\n\r\n')).toBe('');
      expect(cli.stderr()).not.toMatch(/^127\.0\.0\.1 /m);
    },
  );
});

describe.skipIf(!ready)('httpstack --shutdown-timeout', () => {
  it('SIGTERM with a download that never drains: exits 0 after about the timeout', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(32 * 1024 * 1024, 0x61));
    const cli = await startCli(['-b', '127.0.0.1', '-d', dir, '--shutdown-timeout', '1', '0']);
    const socket = net.connect(cli.port, '127.0.0.1');
    socket.write('GET /big.bin HTTP/1.0\r\n\r\n');
    await once(socket, 'data');
    socket.pause(); // the response now stalls on a full socket
    const started = Date.now();
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(4000);
    socket.destroy();
  });
});

describe.skipIf(!ready)('httpstack --trusted-proxy', () => {
  it('X-Forwarded-For from a trusted proxy names the client in the log; from others it is ignored', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '--trusted-proxy', '127.0.0.1', '0']);
    const trusted = await raw(cli.port, 'GET /hello.txt HTTP/1.0\r\nX-Forwarded-For: 6.6.6.6, 203.0.113.50\r\n\r\n');
    expect(trusted).toMatch(/^HTTP\/1\.0 200 /);
    await waitUntil(cli.child, () =>
      /^203\.0\.113\.50 - - \[[^\]]+\] "GET \/hello\.txt HTTP\/1\.0" 200 /m.test(cli.stderr()),
    );
    expect(cli.stderr()).not.toMatch(/^6\.6\.6\.6 /m);
    const other = await startCli(['-b', '127.0.0.1', '-d', SITE, '--trusted-proxy', '10.0.0.0/8', '0']);
    await raw(other.port, 'GET /hello.txt HTTP/1.0\r\nX-Forwarded-For: 203.0.113.50\r\n\r\n');
    await waitUntil(other.child, () => /^127\.0\.0\.1 - - \[/m.test(other.stderr()));
  });
});

describe.skipIf(!ready)('httpstack --workers 2, SIGTERM', () => {
  it('a keep-alive download in flight in a worker completes, the connection is closed after it, every process exits 0', async () => {
    const dir = tempDir();
    const size = 16 * 1024 * 1024;
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(size, 0x62));
    const cli = await startCli(['-b', '127.0.0.1', '-d', dir, '-p', 'HTTP/1.1', '--workers', '2', '0']);
    const socket = net.connect(cli.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'data');
    socket.pause(); // the worker's response now waits on a full socket
    cli.child.kill('SIGTERM');
    await refused(cli.port); // the workers have stopped accepting while the client stalls
    socket.resume();
    await once(socket, 'end'); // HTTP/1.1 keep-alive, yet closed once the response is done
    const all = Buffer.concat(chunks);
    const split = all.indexOf('\r\n\r\n');
    expect(all.subarray(0, split).toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
    expect(all.length - split - 4).toBe(size);
    expect(await cli.exited).toBe(0);
    socket.destroy();
  });
});
