// ForkingMixIn with `scheduling: 'os'` (every worker accepts on the shared socket): a worker
// killed while requests keep coming takes none with it. A file of its own, because Node fixes
// the scheduling policy at the first fork of a process.
import cluster from 'node:cluster';
import { describe, expect, it } from 'vitest';
import { ForkingTCPServer, StreamRequestHandler } from '../src/index.js';
import { exchange, portOf, serverTracker, workerScript, workersListening } from './helpers.js';

const track = serverTracker();

describe("ForkingMixIn scheduling: 'os'", () => {
  async function twoWorkers(): Promise<InstanceType<typeof ForkingTCPServer>> {
    const options = { workers: 2, workerScript, workerArgs: ['tcp'], scheduling: 'os' as const };
    const server = track(new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, options));
    const ready = workersListening(2);
    await server.serverBind();
    void server.serveForever(10);
    await ready;
    return server;
  }

  it('a worker SIGKILLed while requests keep coming: every request succeeds, and it is replaced', async () => {
    const server = await twoWorkers();
    const replaced = workersListening(1);
    const failures: string[] = [];
    let killed = 0;
    for (let i = 0; i < 120; i++) {
      const answer = await exchange(portOf(server), `r${i}\n`).catch((error: Error) => error.message);
      if (!/^\d+ r\d+\n$/.test(answer)) failures.push(`request ${i}: got ${JSON.stringify(answer)}`);
      if (i === 30) {
        killed = Number(answer.split(' ')[0]);
        process.kill(killed, 'SIGKILL');
      }
    }
    expect(failures).toEqual([]);
    await replaced;
    expect(server.workerPids).toHaveLength(2);
    expect(server.workerPids).not.toContain(killed);
  });

  it('the policy is set for the process; asking for the other one afterwards throws', async () => {
    expect(cluster.schedulingPolicy).toBe(cluster.SCHED_NONE);
    const server = track(
      new ForkingTCPServer(['127.0.0.1', 0], StreamRequestHandler, {
        workers: 1,
        workerScript,
        scheduling: 'round-robin',
      }),
    );
    await expect(server.serverBind()).rejects.toThrow(/already started workers/);
  });
});
