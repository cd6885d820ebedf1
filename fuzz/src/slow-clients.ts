/**
 * Slowloris measured: many connections that send one header byte a second (never ending
 * the head) against a server, while normal clients keep requesting. Reports when each
 * slow connection was cut and what the normal clients saw. Run as a script:
 * `node dist/slow-clients.js [slow=500] [normal=100] [headTimeoutMs=30000]`.
 */
import type { Socket } from 'node:net';
import { dial, percentile, responseSize } from './clients.js';
import { startChild } from './harness.js';

/** What one run measured. */
export interface SlowlorisFigures {
  slow: number;
  /** Slow connections the server closed, and after how long (ms since each one's first byte). */
  cut: number;
  cutMs: { min: number; median: number; max: number };
  /** Slow connections that got a 408 before the close. */
  got408: number;
  normal: number;
  requests: number;
  failures: number;
  latencyMs: { p50: number; p99: number; max: number };
  serverCpuMs: number;
  durationMs: number;
}

/** One slowloris connection: resolves with [ms from its first byte to the close, got a 408]. */
async function slowloris(port: number, stopAt: number): Promise<[number, boolean] | undefined> {
  const socket = await dial(port);
  const started = Date.now();
  let answer = '';
  socket.setEncoding('latin1');
  socket.on('data', (text: string) => (answer += text));
  socket.write('GET / HTTP/1.1\r\nHost: fuzz\r\nX-Slow: ');
  const drip = setInterval(() => socket.write('a'), 1000);
  return new Promise((resolve) => {
    const giveUp = setTimeout(() => {
      clearInterval(drip);
      socket.destroy();
      resolve(undefined);
    }, stopAt - Date.now());
    socket.once('close', () => {
      clearInterval(drip);
      clearTimeout(giveUp);
      resolve([Date.now() - started, answer.startsWith('HTTP/1.1 408')]);
    });
  });
}

/** A normal client: sequential keep-alive requests until `stopAt`; returns latencies and failures. */
async function normalClient(
  port: number,
  size: number,
  stopAt: number,
): Promise<{ latencies: number[]; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  while (Date.now() < stopAt) {
    let socket: Socket;
    try {
      socket = await dial(port);
    } catch {
      failures++;
      continue;
    }
    await new Promise<void>((resolve) => {
      let received = 0;
      let started = performance.now();
      const request = Buffer.from('GET /hello HTTP/1.1\r\nHost: fuzz\r\n\r\n');
      socket.on('data', (piece: Buffer) => {
        received += piece.length;
        while (received >= size) {
          received -= size;
          latencies.push(performance.now() - started);
          if (Date.now() >= stopAt) return void socket.end();
          started = performance.now();
          socket.write(request);
        }
      });
      socket.on('close', () => {
        if (Date.now() < stopAt) failures++; // closed under it: a failure unless the run is over
        resolve();
      });
      socket.write(request);
    });
  }
  return { latencies, failures };
}

/** Runs `slow` slowloris connections and `normal` clients against a fresh server child. */
export async function measureSlowloris(slow: number, normal: number, headTimeout: number): Promise<SlowlorisFigures> {
  const child = await startChild({ env: { HEAD_TIMEOUT: String(headTimeout) } });
  try {
    const size = await responseSize(child.port, '/hello');
    const started = Date.now();
    const stopAt = started + headTimeout + Math.max(2000, headTimeout / 4);
    const cpuBefore = child.cpuMs();
    const slowRuns = Promise.all(Array.from({ length: slow }, () => slowloris(child.port, stopAt)));
    const normals = await Promise.all(Array.from({ length: normal }, () => normalClient(child.port, size, stopAt)));
    const cuts = (await slowRuns).filter((x): x is [number, boolean] => x !== undefined);
    const serverCpuMs = child.cpuMs() - cpuBefore;
    const times = cuts.map(([ms]) => ms);
    const latencies = normals.flatMap((n) => n.latencies);
    return {
      slow,
      cut: cuts.length,
      got408: cuts.filter(([, got]) => got).length,
      cutMs: { min: percentile(times, 0), median: percentile(times, 50), max: percentile(times, 100) },
      normal,
      requests: latencies.length,
      failures: normals.reduce((sum, n) => sum + n.failures, 0),
      latencyMs: {
        p50: round(percentile(latencies, 50)),
        p99: round(percentile(latencies, 99)),
        max: round(percentile(latencies, 100)),
      },
      serverCpuMs,
      durationMs: Date.now() - started,
    };
  } finally {
    await child.stop();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [slow = 500, normal = 100, headTimeout = 30_000] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await measureSlowloris(slow, normal, headTimeout), null, 2));
}
