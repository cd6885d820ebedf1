// ForkingMixIn on node:cluster — test_socketserver's test_ForkingTCPServer,
// test_ForkingUnixStreamServer and ErrorHandlerTest.test_forking_handled, re-expressed. The
// test process is the primary; the workers run test/fixtures/forking-worker.mjs, which
// imports the built dist/ of this package.
import cluster from 'node:cluster';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DatagramRequestHandler,
  ForkingMixIn,
  ForkingTCPServer,
  ForkingUDPServer,
  ForkingUnixStreamServer,
  StreamRequestHandler,
  TCPServer,
} from '../src/index.js';
import { dial, exchange, nextLine, portOf, receiveAll, serverTracker } from './helpers.js';

const track = serverTracker();
const workerScript = join(import.meta.dirname, 'fixtures', 'forking-worker.mjs');


/** Resolves after `count` more workers have started listening. */
function workersListening(count: number): Promise<void> {
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

/** Whether a process with this PID is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Asks until two distinct worker PIDs answered (bounded); returns the PIDs seen. */
async function answeringPids(target: number | string): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < 20 && pids.size < 2; i++) {
    const answer = await exchange(target, [`hello ${i}\n`]);
    expect(answer).toMatch(new RegExp(`^\\d+ hello ${i}\\n$`));
    pids.add(Number(answer.split(' ')[0]));
  }
  return pids;
}

describe('ForkingMixIn(TCPServer) (test_ForkingTCPServer)', () => {
  it('answers from two worker processes, replaces a crashed one, and shutdown() stops them all', async () => {
    const server = track(new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, { workers: 2, workerScript, workerArgs: ['tcp'] }));
    const ready = workersListening(2);
    await server.serverBind();
    const loop = server.serveForever(10);
    await ready;
    expect(server.isPrimary).toBe(true);
    expect(server.workerPids).toHaveLength(2);
    const pids = await answeringPids(portOf(server));
    expect(pids.size).toBe(2);
    for (const pid of pids) expect(server.workerPids).toContain(pid);

    const replaced = workersListening(1);
    expect(await exchange(portOf(server), ['crash\n'])).toBe('');
    await replaced;
    expect(server.workerPids).toHaveLength(2);
    expect(await answeringPids(portOf(server))).toHaveProperty('size', 2);

    const before = server.workerPids;
    await server.shutdown();
    await loop;
    expect(server.workerPids).toEqual([]);
    expect(before.filter(alive)).toEqual([]);
  });

  it('shutdown() lets a request in flight in a worker finish', async () => {
    const server = track(new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, { workers: 2, workerScript, workerArgs: ['tcp'] }));
    const ready = workersListening(2);
    await server.serverBind();
    void server.serveForever(10);
    await ready;
    const client = await dial(portOf(server));
    client.write('slow\n');
    const [pid] = (await nextLine(client)).split(' ');
    const rest = receiveAll(client);
    const stopped = server.shutdown();
    client.end('go\n');
    await stopped;
    expect(await rest).toBe(`${pid} slow\n`);
  });

  it('serverBind() rejects when the workers die before listening', async () => {
    const server = track(new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, { workers: 1, workerScript, workerArgs: ['fail'] }));
    await expect(server.serverBind()).rejects.toThrow(/worker exited before listening \(code 2/);
  });

  it('handleRequest() is refused in the primary; workers must be a positive integer', async () => {
    const server = track(new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, { workers: 0, workerScript }));
    await expect(server.serverBind()).rejects.toThrow(RangeError);
    await expect(new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler).handleRequest()).rejects.toThrow(TypeError);
    class Custom extends ForkingMixIn(TCPServer) {
      override workers = 3;
    }
    expect(new Custom(['127.0.0.1', 0], StreamRequestHandler).workers).toBe(3);
  });
});

describe('ForkingMixIn(UnixStreamServer) (test_ForkingUnixStreamServer)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'socketserver-fork-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shares one Unix socket between two workers', async () => {
    const path = join(dir, 'fork.sock');
    const server = track(new ForkingUnixStreamServer(path, StreamRequestHandler, { workers: 2, workerScript, workerArgs: ['unix', path] }));
    const ready = workersListening(2);
    await server.serverBind();
    void server.serveForever(10);
    await ready;
    expect(server.serverAddress).toBe(path);
    expect((await answeringPids(path)).size).toBe(2);
  });
});

describe('ForkingUDPServer (test_ForkingUDPServer)', () => {
  it('two workers answer datagrams from one shared socket; shutdown stops them', async () => {
    const server = track(new ForkingUDPServer(['127.0.0.1', 0], DatagramRequestHandler, { workers: 2, workerScript, workerArgs: ['udp'] }));
    const ready = workersListening(2);
    await server.serverBind();
    const loop = server.serveForever(10);
    await ready;
    const client = createSocket('udp4');
    const pids = new Set<number>();
    try {
      for (let i = 0; i < 40 && pids.size < 2; i++) {
        const answer = once(client, 'message');
        client.send(`d${i}`, portOf(server), '127.0.0.1');
        const [pid, text] = ((await answer)[0] as Buffer).toString().split(' ');
        expect(text).toBe(`d${i}`);
        pids.add(Number(pid));
      }
    } finally {
      client.close();
    }
    expect(pids.size).toBe(2);
    const before = server.workerPids;
    await server.shutdown();
    await loop;
    expect(before.filter(alive)).toEqual([]);
  });
});
