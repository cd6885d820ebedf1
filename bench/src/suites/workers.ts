/**
 * ForkingMixIn under load: the HTTP hello world served by one process, then by
 * `ForkingMixIn(HTTPServer)` with 1 and 2 worker processes (node:cluster's round-robin
 * scheduling, and the OS's), driven by wrk (keep-alive, 50 connections); then the same with
 * about 0.2 ms of CPU work per request (a SHA-256 of 64 KiB), where the server, not wrk,
 * is the limit.
 *
 * Run as a script (`node workers.js serve <contender>`), this file is the server: the
 * primary and each worker run it.
 */
import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BaseHTTPRequestHandler, HTTPServer } from '@httpstack/basehttpserver';
import { ForkingMixIn } from '@httpstack/socketserver';
import { serveChild } from '../lib/child.js';
import { interleave } from '../lib/rounds.js';
import { startServer } from '../lib/server-process.js';
import { hasWrk, wrk } from '../lib/wrk.js';
import type { Ratio, Row, Suite } from '../suite.js';

const BODY = Buffer.from('Hello, World!');
const WORK = Buffer.alloc(64 * 1024, 0x61);
/** Contender name → worker processes (0: no cluster at all). */
const CONTENDERS: Record<string, number> = {
  '1 process': 0,
  '1 worker': 1,
  '2 workers': 2,
  '2 workers, OS scheduling': 2,
};

// --- the servers (child side) ------------------------------------------------------------

class Hello extends BaseHTTPRequestHandler {
  override protocolVersion = 'HTTP/1.1';
  override keepAliveTimeout = 120_000;

  async do_GET(): Promise<void> {
    if (this.path === '/cpu') createHash('sha256').update(WORK).digest();
    this.sendResponse(200);
    this.sendHeader('Content-Type', 'text/plain');
    this.sendHeader('Content-Length', BODY.length);
    this.endHeaders();
    await this.wfile.write(BODY);
  }

  override logMessage(): void {}
}

class ForkingHTTPServer extends ForkingMixIn(HTTPServer) {}

async function serve(contender: string): Promise<void> {
  const workers = CONTENDERS[contender] ?? 0;
  const script = fileURLToPath(import.meta.url);
  const server =
    workers === 0
      ? new HTTPServer(['127.0.0.1', 0], Hello)
      : new ForkingHTTPServer(['127.0.0.1', 0], Hello, {
          workers,
          workerScript: script,
          workerArgs: ['serve', contender],
          scheduling: contender.includes('OS') ? 'os' : 'round-robin',
        });
  await server.serverBind();
  const serving = server.serveForever();
  if (cluster.isPrimary) serveChild((server.serverAddress as [string, number])[1]);
  await serving;
}

// --- the harness -------------------------------------------------------------------------

const HELLO = 'hello, keep-alive, 50 conns';
const CPU = 'hello + SHA-256 of 64 KiB per request, keep-alive, 50 conns';

async function throughput(
  name: string,
  path: string,
  contenders: string[],
  rounds: number,
  seconds: number,
): Promise<Row[]> {
  const script = fileURLToPath(import.meta.url);
  return interleave(name, 'req/s', contenders, rounds, async (contender) => {
    const server = await startServer(script, ['serve', contender]);
    try {
      const url = `http://127.0.0.1:${server.port}${path}`;
      await wrk({ url, seconds: 1, connections: 50 }); // warm-up (every worker has connections)
      const result = await wrk({ url, seconds, connections: 50 });
      if (result.errors > 0) console.warn(`${contender}: ${result.errors} errors`);
      return result.requestsPerSec;
    } finally {
      await server.stop();
    }
  });
}

const suite: Suite = {
  name: 'workers',
  async run({ quick }) {
    if (!hasWrk())
      return { rows: [], ratios: [], notes: ['wrk is not installed: suite skipped (apt-get install wrk)'] };
    const [rounds, seconds] = quick ? [1, 2] : [3, 3];
    const rows = [
      ...(await throughput(HELLO, '/', ['1 process', '1 worker', '2 workers'], rounds, seconds)),
      ...(await throughput(CPU, '/cpu', ['1 worker', '2 workers', '2 workers, OS scheduling'], rounds, seconds)),
    ];
    const ratios: Ratio[] = [
      { case: HELLO, subject: '2 workers', baseline: '1 worker' },
      { case: HELLO, subject: '1 worker', baseline: '1 process' },
      { case: CPU, subject: '2 workers', baseline: '1 worker' },
      { case: CPU, subject: '2 workers, OS scheduling', baseline: '1 worker' },
    ];
    const notes = [
      'wrk -t1 -c50 shares the 2 cores with the servers: 2 workers cannot reach 2x here',
      'the machine is shared with other work: figures are noisy',
    ];
    return { rows, ratios, notes };
  },
};

export default suite;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'serve') {
  await serve(process.argv[3] ?? '1 process');
}
