// Connections refused over maxConnections or for want of file descriptors are reported
// once per burst with their count (handleRefused), and the server keeps accepting once
// connections close.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StreamRequestHandler, TCPServer } from '../src/index.js';

/** Connects and resolves with what the server sent before closing, or `held` once `hi\n` arrived. */
function attempt(port: number): Promise<{ socket: Socket; outcome: 'held' | 'refused' }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('error', () => {});
    socket.on('data', (data: Buffer) => {
      text += data.toString();
      if (text === 'hi\n') resolve({ socket, outcome: 'held' });
    });
    socket.on('close', () => resolve({ socket, outcome: 'refused' }));
  });
}

/** Resolves once `check()` is true, checked again on each `'data'` of `stream` (bounded). */
async function until(
  stream: NodeJS.ReadableStream,
  check: () => boolean,
  ms: number,
  what: () => string,
): Promise<void> {
  if (check()) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting: ${what()}`));
    }, ms);
    const onData = () => {
      if (!check()) return;
      clearTimeout(timer);
      stream.off('data', onData);
      resolve();
    };
    stream.on('data', onData);
  });
}

const refusedCount = (text: string) =>
  [...text.matchAll(/refused (\d+) connections?: /g)].reduce((sum, match) => sum + Number(match[1]), 0);

describe('TCPServer.handleRefused: connections refused are reported per burst', () => {
  it('maxConnections: one report at the first refusal, one with the rest of the burst', async () => {
    const reports: Array<[number, string]> = [];
    let allReported: () => void;
    const reported = new Promise<void>((resolve) => (allReported = resolve));
    class Hold extends StreamRequestHandler {
      override async handle(): Promise<void> {
        await this.wfile.write('hi\n');
        await this.rfile.read();
      }
    }
    class Reporting extends TCPServer {
      protected override handleRefused(count: number, reason: 'maxConnections' | 'descriptors'): void {
        reports.push([count, reason]);
        if (reports.reduce((sum, [n]) => sum + n, 0) === 5) allReported();
      }
    }
    const server = new Reporting(['127.0.0.1', 0], Hold, { maxConnections: 2 });
    await server.serverBind();
    void server.serveForever();
    const port = (server.serverAddress as [string, number])[1];
    const results = await Promise.all(Array.from({ length: 7 }, () => attempt(port)));
    expect(results.filter((r) => r.outcome === 'held')).toHaveLength(2);
    await reported;
    expect(reports).toEqual([
      [1, 'maxConnections'],
      [4, 'maxConnections'],
    ]);
    for (const { socket } of results) socket.destroy();
    await server.shutdown();
    await server.serverClose();
  });

  it.skipIf(process.platform !== 'linux')(
    'under ulimit -n 128: the overflow is refused and logged once per burst, then served again',
    async () => {
      const script = join(import.meta.dirname, 'fixtures', 'hold-server.mjs');
      const child = spawn('bash', ['-c', 'ulimit -n 128 && exec "$0" "$1"', process.execPath, script], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (data: Buffer) => (out += data.toString()));
      child.stderr.on('data', (data: Buffer) => (err += data.toString()));
      try {
        await until(
          child.stdout,
          () => /port \d+/.test(out),
          10_000,
          () => out + err,
        );
        const port = Number(/port (\d+)/.exec(out)![1]);
        const results: Array<{ socket: Socket; outcome: string }> = [];
        for (let i = 0; i < 4; i++)
          results.push(...(await Promise.all(Array.from({ length: 50 }, () => attempt(port)))));
        const held = results.filter((r) => r.outcome === 'held');
        const refused = results.length - held.length;
        expect(held.length).toBeGreaterThan(50);
        expect(refused).toBeGreaterThan(0);
        await until(
          child.stderr,
          () => refusedCount(err) === refused,
          10_000,
          () => `${refused} refused; stderr: ${err}`,
        );
        const lines = err.trim().split('\n');
        expect(lines.length, err).toBeLessThanOrEqual(2 * 4);
        expect(lines[0]).toMatch(
          /^\[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] refused 1 connection: out of file descriptors \(ulimit -n 128\)$/,
        );
        // Descriptors freed: new connections are served again.
        for (const { socket } of held) socket.end();
        await Promise.all(held.map(({ socket }) => once(socket, 'close')));
        const again = await attempt(port);
        expect(again.outcome).toBe('held');
        again.socket.end();
      } finally {
        child.kill('SIGKILL');
      }
    },
    60_000,
  );
});
