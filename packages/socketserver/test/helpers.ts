// Shared test kit: real clients on loopback, and servers that are always closed afterwards.
import cluster from 'node:cluster';
import { type Socket } from 'node:net';
import { join } from 'node:path';
export { dial, exchange, receiveAll, refused, type Target } from '@httpstack/test-kit';
import { afterEach } from 'vitest';
import { StreamRequestHandler, type BaseServer } from '../src/index.js';

/** The port a bound server listens on. */
export function portOf(server: BaseServer<any>): number {
  return (server.serverAddress as [string, number])[1];
}

/**
 * Registers servers for closing after each test: `track(server)` returns it. Every server
 * tracked is shut down and closed, whatever the test did.
 */
export function serverTracker(): <T extends BaseServer<any>>(server: T) => T {
  const servers: BaseServer<any>[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      await server.shutdown();
      await server.serverClose();
    }
  });
  return (server) => {
    servers.push(server);
    return server;
  };
}

/** Resolves with the next line the socket receives (without closing it). */
export function nextLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (data: Buffer) => {
      text += data.toString('latin1');
      const at = text.indexOf('\n');
      if (at === -1) return;
      socket.off('data', onData).off('error', reject);
      if (at + 1 < text.length) socket.unshift(Buffer.from(text.slice(at + 1), 'latin1'));
      resolve(text.slice(0, at + 1));
    };
    socket.on('data', onData).on('error', reject);
  });
}

/** A handler that answers each line upper-cased, until end of stream. */
export class UpperEcho extends StreamRequestHandler {
  override async handle(): Promise<void> {
    for (;;) {
      const line = await this.rfile.readline();
      if (line.length === 0) return;
      await this.wfile.write(line.toString('latin1').toUpperCase(), 'latin1');
    }
  }
}

/** A promise with its resolver, for events the test waits on. */
export function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The ForkingMixIn worker the forking tests' primaries start (it imports the built dist/). */
export const workerScript = join(import.meta.dirname, 'fixtures', 'forking-worker.mjs');

/** Resolves after `count` more cluster workers have started listening. */
export function workersListening(count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onListening = () => {
      if (++seen < count) return;
      cluster.off('listening', onListening);
      resolve();
    };
    cluster.on('listening', onListening);
  });
}
