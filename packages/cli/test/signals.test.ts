// Ctrl-C and SIGTERM: a graceful shutdown (in-flight requests finish), then exit 0.
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refused } from '@httpstack/test-kit';
import { layerReady, startCli, tempDir, waitFor } from './helpers.js';

const SITE = join(import.meta.dirname, 'fixtures', 'site');
const ready =
  (await layerReady('@httpstack/basehttpserver', 'HTTPServer')) &&
  (await layerReady('@httpstack/simplehttpserver', 'SimpleHTTPRequestHandler'));
const BIG = 16 * 1024 * 1024;

describe.skipIf(!ready)('httpstack shutdown', () => {
  it('SIGINT prints Python\'s "Keyboard interrupt received, exiting." and exits 0', async () => {
    const cli = await startCli(['-b', '127.0.0.1', '-d', SITE, '0']);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(/ \.\.\.\n\nKeyboard interrupt received, exiting\.\n$/);
  });

  it.for(['SIGTERM', 'SIGINT'] as const)(
    '%s with a slow download in flight completes it, then exits 0',
    async (signal) => {
      const dir = tempDir();
      writeFileSync(join(dir, 'big.bin'), Buffer.alloc(BIG, 0x61));
      const cli = await startCli(['-b', '127.0.0.1', '-d', dir, '0']);
      const download = slowDownload(cli.port, '/big.bin');
      await download.started; // headers and the first bytes are here; the client now reads nothing
      cli.child.kill(signal);
      await refused(cli.port); // the server has stopped accepting: the shutdown is under way
      download.resume();
      const { head, bodyLength } = await download.done;
      expect(head).toMatch(/^HTTP\/1\.[01] 200 /);
      expect(head).toMatch(new RegExp(`\\r\\ncontent-length: ${BIG}\\r\\n`, 'i'));
      expect(bodyLength).toBe(BIG);
      expect(await cli.exited).toBe(0);
    },
  );

  it('a second Ctrl-C during the shutdown exits at once', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(BIG, 0x61));
    const cli = await startCli(['-b', '127.0.0.1', '-d', dir, '0']);
    const download = slowDownload(cli.port, '/big.bin');
    await download.started;
    cli.child.kill('SIGINT');
    await waitFor(cli.child, cli.stdout, /Keyboard interrupt received/);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(1);
    download.socket.destroy();
  });
});

/** A raw HTTP/1.0 GET whose reader pauses after the first bytes until `resume()`. */
function slowDownload(port: number, path: string) {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let signalStarted!: () => void;
  const started = new Promise<void>((resolve) => (signalStarted = resolve));
  socket.once('data', () => {
    socket.pause();
    signalStarted();
  });
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`);
  const done = new Promise<{ head: string; bodyLength: number }>((resolve, reject) => {
    socket.on('error', reject).on('end', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      resolve({ head: all.subarray(0, split + 2).toString('latin1'), bodyLength: all.length - split - 4 });
    });
  });
  return { socket, started, done, resume: () => socket.resume() };
}
