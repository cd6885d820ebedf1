/**
 * Leak soak: 100,000 keep-alive requests and 10,000 aborted ones (reset mid-response,
 * mid-request, mid-CGI-script) against a server child; its RSS, open descriptors and
 * active handles must come back to within 10 % of the baseline taken after a warm-up.
 * `node --expose-gc dist/soak.js [requests=100000] [aborts=10000]`; exits 1 when it leaks.
 */
import { once } from 'node:events';
import { dial, keepAliveLoop, percentile, responseSize } from './clients.js';
import { startChild, type ServerChild, type Stats } from './harness.js';
import { makeSite } from './site.js';

const ABORTS = ['mid-response', 'mid-request-head', 'mid-request-body', 'mid-cgi-script'] as const;
type Abort = (typeof ABORTS)[number];

/** One aborted exchange: sends its request, waits for the moment, then resets (RST). */
async function abortOnce(port: number, kind: Abort): Promise<void> {
  const socket = await dial(port);
  if (kind === 'mid-request-head') {
    socket.write('GET /hello HTTP/1.1\r\nHost: fuzz\r\nX-Long: aaaaaaaa');
    await new Promise((resolve) => setImmediate(resolve));
  } else if (kind === 'mid-request-body') {
    socket.write(`POST /cgi-bin/hello.sh HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 100000\r\n\r\n${'b'.repeat(1000)}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  } else {
    socket.write(
      `GET ${kind === 'mid-response' ? '/stream?mib=8' : '/cgi-bin/slow.sh'} HTTP/1.1\r\nHost: fuzz\r\n\r\n`,
    );
    await once(socket, 'data');
  }
  socket.resetAndDestroy();
}

/** Runs `count` aborts (kinds in turn), `concurrency` at a time. */
async function aborts(port: number, count: number, concurrency: number): Promise<Record<Abort, number>> {
  const done = { 'mid-response': 0, 'mid-request-head': 0, 'mid-request-body': 0, 'mid-cgi-script': 0 };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const kind = ABORTS[next++ % ABORTS.length]!;
      await abortOnce(port, kind).catch(() => {});
      done[kind]++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done;
}

/** `requests` keep-alive requests over `connections` connections; returns the latencies. */
async function keepAlive(port: number, requests: number, connections: number): Promise<number[]> {
  const size = await responseSize(port, '/hello');
  const each = Math.ceil(requests / connections);
  const runs = await Promise.all(Array.from({ length: connections }, () => keepAliveLoop(port, '/hello', each, size)));
  return runs.flat();
}

/**
 * Waits (at most 30 s) until the child holds no client connection, no more descriptors
 * than `limit.fds` and no more timers than `limit.timers` (a stopped CGI script keeps its
 * kill timer for `cgiKillDelay`, 2 s), then takes its stats after a garbage collection.
 */
async function settle(child: ServerChild, limit: { fds: number; timers: number }): Promise<Stats> {
  const until = Date.now() + 30_000;
  let stats = await child.stats(true);
  const busy = (s: Stats) =>
    (s.resources.TCPSocketWrap ?? 0) > 0 || s.fds > limit.fds || (s.resources.Timeout ?? 0) > limit.timers;
  while (Date.now() < until && busy(stats)) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    stats = await child.stats(true);
  }
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let freed memory go back before the sample
  return child.stats(true);
}

/** The soak's report. */
export interface SoakReport {
  requests: number;
  aborts: Record<Abort, number>;
  seconds: number;
  latencyMs: { p50: number; p99: number };
  baseline: Stats;
  after: Stats;
  /** Processes below the server (the CGI spawn helper, scripts) before and after. */
  processes: { baseline: number; after: number };
  /** after / baseline for RSS, descriptors, handles. */
  ratio: { rss: number; fds: number; handles: number };
  ok: boolean;
}

/** Runs the soak. */
export async function soak(requests = 100_000, abortCount = 10_000, warmUp = requests / 5): Promise<SoakReport> {
  const site = makeSite(1);
  const child = await startChild({ env: { SITE: site.dir } });
  try {
    // Warm-up (a fifth of the run): JIT, heap, pools and the CGI spawn helper reach their
    // working size before the baseline is taken.
    await keepAlive(child.port, warmUp, 50);
    await aborts(child.port, warmUp / 10, 16);
    const baseline = await settle(child, { fds: Infinity, timers: 0 });
    const processesBefore = child.descendants().length;
    const started = Date.now();
    const [latencies, done] = await Promise.all([
      keepAlive(child.port, requests, 50),
      aborts(child.port, abortCount, 16),
    ]);
    const seconds = (Date.now() - started) / 1000;
    const after = await settle(child, { fds: baseline.fds, timers: baseline.resources.Timeout ?? 0 });
    const ratio = {
      rss: after.rss / baseline.rss,
      fds: after.fds / baseline.fds,
      handles: after.handles / baseline.handles,
    };
    const processes = { baseline: processesBefore, after: child.descendants().length };
    const ok = ratio.rss <= 1.1 && ratio.fds <= 1.1 && ratio.handles <= 1.1 && processes.after <= processes.baseline;
    return {
      requests: latencies.length,
      aborts: done,
      seconds,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      baseline,
      after,
      processes,
      ratio,
      ok,
    };
  } finally {
    await child.stop();
    site.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [requests = 100_000, abortCount = 10_000] = process.argv.slice(2).map(Number);
  const report = await soak(requests, abortCount);
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.ok ? 0 : 1;
}
