// A real nginx in front of two httpstack instances (fixtures/nginx.conf): requests are
// balanced across both, the client's own address reaches the access log through the PROXY
// protocol (stream proxy) and X-Forwarded-For (http proxy), and restarting one instance
// under a steady stream of requests loses none of them.
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from './lib/backend.js';
import { findNginx, freePort, startNginx, waitForPort, type Nginx } from './lib/nginx.js';

const info = findNginx();
if (info.reason) console.warn(`nginx e2e: ${info.reason}`);
const noNginx = info.binary === undefined;
const noStream = info.streamModule === undefined;

describe.skipIf(noNginx)('nginx in front of two httpstack instances', () => {
  const backends: Backend[] = [];
  let nginx: Nginx | undefined;
  let httpPort = 0;
  let streamPort = 0;

  beforeAll(async () => {
    backends.push(await startBackend('a'), await startBackend('b'));
    [httpPort, streamPort] = [await freePort(), await freePort()];
    const [a, b] = backends as [Backend, Backend];
    const vars = {
      A_PLAIN: a.plainPort,
      B_PLAIN: b.plainPort,
      A_PROXY: a.proxyPort,
      B_PROXY: b.proxyPort,
      HTTP_PORT: httpPort,
      STREAM_PORT: streamPort,
    };
    nginx = await startNginx(info, vars, noStream ? [httpPort] : [httpPort, streamPort]);
  });

  afterAll(async () => {
    await nginx?.stop();
    for (const backend of backends.splice(0)) await backend.stop();
  });

  it('balances requests across both instances; X-Forwarded-For names the client in clientAddress and the log', async () => {
    const names = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      // The client connects from 127.0.0.2, nginx from 127.0.0.1 (a trusted proxy of the instances).
      const { status, body } = await httpGet(httpPort, `/hello-${i}`, '127.0.0.2');
      expect(status).toBe(200);
      const [name, address, forwardedFor] = body.trim().split(' ');
      expect(forwardedFor).toBe('127.0.0.2');
      expect(JSON.parse(address!)).toEqual(['127.0.0.2', 0]);
      const backend = backends.find((candidate) => candidate.name === name)!;
      await backend.waitForLog(new RegExp(`^127\\.0\\.0\\.2 - - \\[[^\\]]+\\] "GET /hello-${i} HTTP/1\\.1" 200 `, 'm'));
      names.set(name!, (names.get(name!) ?? 0) + 1);
    }
    expect([...names.keys()].sort()).toEqual(['a', 'b']);
  });

  it('an HTTP/1.0 client without Host is answered 200 (nginx sends the server_name as Host)', async () => {
    const socket = connect({ port: httpPort, host: '127.0.0.1' });
    await once(socket, 'connect');
    let text = '';
    socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
    socket.write('GET /no-host HTTP/1.0\r\n\r\n');
    await once(socket, 'close');
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it.skipIf(noStream)(
    'PROXY protocol: the client address and port reach clientAddress and the access log',
    async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) {
        // The client connects from 127.0.0.2, nginx from 127.0.0.1: only the header can tell the backend.
        const socket = connect({ port: streamPort, host: '127.0.0.1', localAddress: '127.0.0.2' });
        await once(socket, 'connect');
        const clientPort = socket.localPort;
        let text = '';
        socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
        // No half-close: nginx's stream proxy ends both sides on the first FIN (proxy_half_close off).
        socket.write(`GET /proxied-${i} HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n`);
        await once(socket, 'close');
        expect(text).toMatch(/^HTTP\/1\.1 200 /);
        const body = text.slice(text.indexOf('\r\n\r\n') + 4);
        const [name, address] = body.trim().split(' ');
        expect(JSON.parse(address!)).toEqual(['127.0.0.2', clientPort]);
        const backend = backends.find((candidate) => candidate.name === name)!;
        await backend.waitForLog(
          new RegExp(`^127\\.0\\.0\\.2 - - \\[[^\\]]+\\] "GET /proxied-${i} HTTP/1\\.1" 200 `, 'm'),
        );
        seen.add(name!);
      }
      expect([...seen].sort()).toEqual(['a', 'b']);
    },
  );

  it('restarting one instance under a steady stream of requests loses none', async () => {
    const [a] = backends as [Backend, Backend];
    const load = steadyLoad(httpPort, 4);
    await load.until((stats) => stats.ok >= 100);
    // Long requests through nginx, of which round-robin sends some to a: SIGTERM lands while one is in flight there.
    const inFlight = [0, 1, 2, 3].map((i) =>
      fetch(`http://127.0.0.1:${httpPort}/slow?ms=800&tag${i}`).then(
        async (response) => [response.status, await response.text()] as const,
      ),
    );
    await a.waitForLog(/^start \/slow\?ms=800&tag/m);
    const started = Date.now();
    expect(await a.stop()).toBe(0);
    const stopTook = Date.now() - started;
    const longAnswers = await Promise.all(inFlight);
    expect(longAnswers.map(([status]) => status)).toEqual([200, 200, 200, 200]);
    expect(longAnswers.some(([, body]) => body.startsWith('a '))).toBe(true); // answered by a during its shutdown
    await load.until((stats) => (stats.names.get('b') ?? 0) >= 50);
    const restarted = await startBackend('a', a.plainPort, a.proxyPort);
    backends[0] = restarted;
    await waitForPort(restarted.plainPort);
    const before = load.stats.names.get('a') ?? 0;
    await load.until((stats) => (stats.names.get('a') ?? 0) >= before + 50);
    const stats = await load.stop();
    expect(stats.failures).toEqual([]);
    expect(stats.ok).toBeGreaterThanOrEqual(200);
    expect(stopTook).toBeGreaterThanOrEqual(500); // it waited for the long request
    expect(stopTook).toBeLessThan(6000);
    console.info(`nginx e2e: ${stats.ok} requests, none lost; instance a stopped in ${stopTook} ms and restarted`);
  });
});

/** A GET through node:http from `localAddress`; resolves with the status and body. */
function httpGet(port: number, path: string, localAddress: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (text: string) => (body += text));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    req.on('error', reject).end();
  });
}

interface LoadStats {
  ok: number;
  failures: string[];
  names: Map<string, number>;
}

/**
 * `clients` loops of sequential keep-alive GETs (every third one slow, so that some are in
 * flight whenever a SIGTERM lands) until stop(); bounded to 60 s.
 */
function steadyLoad(port: number, clients: number) {
  const stats: LoadStats = { ok: 0, failures: [], names: new Map() };
  let stopping = false;
  const waiters: Array<() => void> = [];
  const deadline = Date.now() + 60_000;
  const loop = async (client: number) => {
    for (let i = 0; !stopping && Date.now() < deadline; i++) {
      const path = i % 3 === 0 ? '/slow?ms=100' : `/c${client}/${i}`;
      try {
        const response = await fetch(`http://127.0.0.1:${port}${path}`);
        const body = await response.text();
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        const name = body.split(' ')[0]!;
        stats.names.set(name, (stats.names.get(name) ?? 0) + 1);
        stats.ok++;
      } catch (error) {
        stats.failures.push(`${path}: ${(error as Error).message}`);
      }
      for (const wake of waiters.splice(0)) wake();
    }
  };
  const running = Promise.all(Array.from({ length: clients }, (_, client) => loop(client)));
  return {
    stats,
    async until(test: (stats: LoadStats) => boolean): Promise<void> {
      while (!test(stats)) {
        if (stopping || Date.now() >= deadline)
          throw new Error(`load ended before the condition: ${JSON.stringify({ ...stats, names: [...stats.names] })}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async stop(): Promise<LoadStats> {
      stopping = true;
      await running;
      return stats;
    },
  };
}
