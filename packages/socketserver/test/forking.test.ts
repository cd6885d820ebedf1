// ForkingMixIn on node:cluster — test_socketserver's test_ForkingTCPServer,
// test_ForkingUnixStreamServer and ErrorHandlerTest.test_forking_handled, re-expressed. The
// test process is the primary; the workers run test/fixtures/forking-worker.mjs, which
// imports the built dist/ of this package.
import { execFileSync } from 'node:child_process';
import cluster from 'node:cluster';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
import {
  dial,
  exchange,
  nextLine,
  portOf,
  receiveAll,
  serverTracker,
  workerScript,
  workersListening,
} from './helpers.js';

const track = serverTracker();

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
    const answer = await exchange(target, `hello ${i}\n`);
    expect(answer).toMatch(new RegExp(`^\\d+ hello ${i}\\n$`));
    pids.add(Number(answer.split(' ')[0]));
  }
  return pids;
}

describe('ForkingMixIn(TCPServer) (test_ForkingTCPServer)', () => {
  it('answers from two worker processes, replaces a crashed one, and shutdown() stops them all', async () => {
    const server = track(
      new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, { workers: 2, workerScript, workerArgs: ['tcp'] }),
    );
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
    expect(await exchange(portOf(server), 'crash\n')).toBe('');
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
    const server = track(
      new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, { workers: 2, workerScript, workerArgs: ['tcp'] }),
    );
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
    const server = track(
      new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, { workers: 1, workerScript, workerArgs: ['fail'] }),
    );
    await expect(server.serverBind()).rejects.toThrow(/worker exited before listening \(code 2/);
  });

  it('handleRequest() is refused in the primary; workers must be a positive integer', async () => {
    const server = track(new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, { workers: 0, workerScript }));
    await expect(server.serverBind()).rejects.toThrow(RangeError);
    await expect(new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler).handleRequest()).rejects.toThrow(
      TypeError,
    );
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
    const server = track(
      new ForkingUnixStreamServer(path, StreamRequestHandler, { workers: 2, workerScript, workerArgs: ['unix', path] }),
    );
    const ready = workersListening(2);
    await server.serverBind();
    void server.serveForever(10);
    await ready;
    expect(server.serverAddress).toBe(path);
    expect((await answeringPids(path)).size).toBe(2);
  });
});

describe('ForkingUDPServer (test_ForkingUDPServer)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'socketserver-fork-udp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Both workers wait on one shared socket and the kernel picks which reads a datagram, so
  // one worker may win every time. To see both without a race, one worker is held: `hold`
  // blocks whichever worker reads it on a FIFO until this test closes its end.
  it('two workers answer datagrams from one shared socket; shutdown stops them', async () => {
    const fifo = join(dir, 'hold');
    execFileSync('mkfifo', [fifo]);
    const server = track(
      new ForkingUDPServer(['127.0.0.1', 0], DatagramRequestHandler, {
        workers: 2,
        workerScript,
        workerArgs: ['udp', fifo],
      }),
    );
    const ready = workersListening(2);
    await server.serverBind();
    const loop = server.serveForever(10);
    await ready;
    const client = createSocket('udp4');
    const answer = async () => String((await once(client, 'message'))[0]).split(' ');
    let free: string[];
    let held: string[];
    try {
      client.send('hold', portOf(server), '127.0.0.1');
      // Opening the FIFO for writing returns once the holding worker has opened it to read.
      const release = await open(fifo, 'w');
      client.send('d1', portOf(server), '127.0.0.1');
      free = await answer();
      const heldAnswer = answer();
      await release.close();
      held = await heldAnswer;
    } finally {
      client.close();
    }
    expect(free[1]).toBe('d1');
    expect(held[1]).toBe('hold');
    expect(new Set([free[0], held[0]]).size).toBe(2);
    for (const [pid] of [free, held]) expect(server.workerPids).toContain(Number(pid));
    const before = server.workerPids;
    await server.shutdown();
    await loop;
    expect(before.filter(alive)).toEqual([]);
  });
});

describe('ForkingMixIn under load: crashes, SIGTERM and shutdown drain', () => {
  async function twoWorkers(): Promise<InstanceType<typeof ForkingTCPServer>> {
    const server = track(
      new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, { workers: 2, workerScript, workerArgs: ['tcp'] }),
    );
    const ready = workersListening(2);
    await server.serverBind();
    void server.serveForever(10);
    await ready;
    return server;
  }

  it('SIGTERM to one worker: its request in flight finishes, it exits 0, a new worker takes its place', async () => {
    const server = await twoWorkers();
    const client = await dial(portOf(server));
    client.write('slow\n');
    const [pid] = (await nextLine(client)).split(' ');
    const exited = new Promise<number | null>((resolve) => {
      const onExit = (worker: { process: { pid?: number } }, code: number | null) => {
        if (worker.process.pid !== Number(pid)) return;
        cluster.off('exit', onExit);
        resolve(code);
      };
      cluster.on('exit', onExit);
    });
    const replaced = workersListening(1);
    const rest = receiveAll(client);
    process.kill(Number(pid), 'SIGTERM');
    // The worker stops accepting at once; the other one serves new connections meanwhile.
    expect(await exchange(portOf(server), 'during\n')).toMatch(/^\d+ during\n$/);
    client.end('go\n');
    expect(await rest).toBe(`${pid} slow\n`);
    expect(await exited).toBe(0);
    await replaced;
    expect(server.workerPids).not.toContain(Number(pid));
  });

  it('shutdown() drains a request in flight in every worker', async () => {
    const server = await twoWorkers();
    const clients = new Map<string, Awaited<ReturnType<typeof dial>>>();
    for (let i = 0; i < 10 && clients.size < 2; i++) {
      const client = await dial(portOf(server));
      client.write('slow\n');
      const [pid] = (await nextLine(client)).split(' ');
      if (clients.has(pid!)) client.end('go\n');
      else clients.set(pid!, client);
    }
    expect(clients.size).toBe(2);
    const answers = [...clients].map(([pid, client]) => receiveAll(client).then((text) => [pid, text]));
    const before = server.workerPids;
    const stopped = server.shutdown();
    for (const client of clients.values()) client.end('go\n');
    for (const [pid, text] of await Promise.all(answers)) expect(text).toBe(`${pid} slow\n`);
    await stopped;
    expect(before.filter(alive)).toEqual([]);
  });
});
