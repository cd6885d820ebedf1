// Backpressure both ways: a client that does not read must not make the server buffer what
// the handler writes; a handler that does not read must not make rfile buffer what arrives.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StreamRequestHandler, TCPServer } from '../src/index.js';
import { dial, portOf, serverTracker, signal } from './helpers.js';

const track = serverTracker();
const MiB = 1024 * 1024;

/** True if `promise` is still pending after the current turn's callbacks have run. */
function isPending(promise: Promise<unknown>): Promise<boolean> {
  return Promise.race([
    promise.then(() => false),
    new Promise<boolean>((resolve) => setImmediate(() => resolve(true))),
  ]);
}

describe('SocketWriter backpressure (wfile.write waits only when the socket is backed up)', () => {
  it('a client that does not read: the handler waits, the server holds at most a few KiB of 64 MiB', async () => {
    const TOTAL = 64 * MiB;
    const blocked = signal<{ written: number; queued: number; heapGrowth: number }>();
    let maxQueued = 0;
    const heapBefore = process.memoryUsage().arrayBuffers;
    class Flood extends StreamRequestHandler {
      override async handle(): Promise<void> {
        const chunk = Buffer.alloc(1024, 'z'); // small writes: the gathering path
        for (let sent = 0; sent < TOTAL; sent += chunk.length) {
          const done = this.wfile.write(chunk);
          maxQueued = Math.max(maxQueued, this.request.writableLength);
          if (await isPending(done)) {
            blocked.resolve({
              written: this.wfile.bytesWritten,
              queued: this.request.writableLength,
              heapGrowth: process.memoryUsage().arrayBuffers - heapBefore,
            });
          }
          await done;
        }
      }
    }
    const server = track(new TCPServer(['127.0.0.1', 0], Flood));
    await server.serverBind();
    void server.serveForever(10);
    const client = await dial(portOf(server));
    client.pause();
    const first = await blocked.promise;
    // Only the kernel's socket buffers (a few MiB on loopback) hold more than Node does.
    expect(first.queued).toBeLessThanOrEqual(64 * 1024);
    expect(first.written).toBeLessThan(16 * MiB);
    expect(first.heapGrowth).toBeLessThan(16 * MiB);

    let received = 0;
    client.on('data', (data: Buffer) => (received += data.length));
    client.resume();
    await once(client, 'end');
    expect(received).toBe(TOTAL);
    expect(maxQueued).toBeLessThanOrEqual(64 * 1024);
    client.destroy();
  });

  it('one large write goes to the socket whole and waits for drain', async () => {
    const pending = signal<boolean>();
    class Big extends StreamRequestHandler {
      override async handle(): Promise<void> {
        const done = this.wfile.write(Buffer.alloc(8 * MiB));
        pending.resolve(await isPending(done));
        await done;
      }
    }
    const server = track(new TCPServer(['127.0.0.1', 0], Big));
    await server.serverBind();
    void server.serveForever(10);
    const client = await dial(portOf(server));
    client.pause();
    expect(await pending.promise).toBe(true);
    let received = 0;
    client.on('data', (data: Buffer) => (received += data.length)).resume();
    await once(client, 'end');
    expect(received).toBe(8 * MiB);
    client.destroy();
  });
});

describe('BufferedReader backpressure (rfile pauses the socket above highWaterMark)', () => {
  it('a handler that does not read: the socket is paused near highWaterMark, then all bytes arrive', async () => {
    const TOTAL = 8 * MiB;
    const paused = signal<number>();
    const gate = signal();
    const total = signal<number>();
    class Lazy extends StreamRequestHandler {
      override async handle(): Promise<void> {
        const socket = this.request;
        const check = () => {
          if (socket.isPaused()) paused.resolve(this.rfile.buffered);
        };
        socket.on('data', check);
        await gate.promise;
        socket.off('data', check);
        total.resolve((await this.rfile.read()).length);
      }
    }
    const server = track(new TCPServer(['127.0.0.1', 0], Lazy));
    await server.serverBind();
    void server.serveForever(10);
    const client = await dial(portOf(server));
    client.on('error', () => {});
    client.end(Buffer.alloc(TOTAL, 'y'));
    const buffered = await paused.promise;
    expect(buffered).toBeGreaterThanOrEqual(64 * 1024);
    expect(buffered).toBeLessThan(64 * 1024 + 256 * 1024); // highWaterMark + one socket read
    expect(client.writableLength).toBeGreaterThan(0); // the rest waits in the client
    gate.resolve();
    expect(await total.promise).toBe(TOTAL);
    client.destroy();
  });
});
