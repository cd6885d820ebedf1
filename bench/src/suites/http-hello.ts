/**
 * HTTP hello world: `@httpstack/basehttpserver` against `node:http`, each in its own
 * process, driven by wrk (keep-alive, 50 connections; then 16-deep pipelining), plus the
 * memory each holds per idle keep-alive connection (with a bare `net` server for scale).
 *
 * Run as a script (`node http-hello.js serve <contender>`), this file is the server.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BaseHTTPRequestHandler, HTTPServer } from '@httpstack/basehttpserver';
import { serveChild } from '../lib/child.js';
import { interleave } from '../lib/rounds.js';
import { startServer, type ServerProcess } from '../lib/server-process.js';
import { hasWrk, wrk } from '../lib/wrk.js';
import type { Ratio, Row, Suite } from '../suite.js';

const BODY = Buffer.from('Hello, World!');
/** Idle keep-alive connections must outlive the measurement. */
const KEEP_ALIVE_MS = 120_000;
const CONTENDERS = ['httpstack', 'node:http'];
/**
 * Memory is measured with V8's young generation capped at 1 MB in every contender: left
 * free, it grows during the burst of 2000 connects by an amount that depends on the
 * allocation rate, not on what each connection keeps (±3 KiB/conn of rss from run to run).
 */
const MEMORY_FLAGS = ['--expose-gc', '--max-semi-space-size=1'];

// --- the servers (child side) ------------------------------------------------------------

class Hello extends BaseHTTPRequestHandler {
  override protocolVersion = 'HTTP/1.1';
  override keepAliveTimeout = KEEP_ALIVE_MS;

  async do_GET(): Promise<void> {
    this.sendResponse(200);
    this.sendHeader('Content-Type', 'text/plain');
    this.sendHeader('Content-Length', BODY.length);
    this.endHeaders();
    await this.wfile.write(BODY);
  }

  /** No access log: `node:http` writes none either. */
  override logMessage(): void {}
}

async function serve(contender: string): Promise<void> {
  if (contender === 'httpstack') {
    const server = new HTTPServer(['127.0.0.1', 0], Hello);
    await server.serverBind();
    void server.serveForever();
    serveChild((server.serverAddress as [string, number])[1]);
    return;
  }
  const server = contender === 'node:http' ? nodeHttp() : net.createServer((socket) => socket.resume());
  server.listen(0, '127.0.0.1', () => serveChild((server.address() as net.AddressInfo).port));
}

function nodeHttp(): http.Server {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length });
    response.end(BODY);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return server;
}

// --- the harness -------------------------------------------------------------------------

const script = fileURLToPath(import.meta.url);

async function throughput(name: string, pipeline: number, rounds: number, seconds: number): Promise<Row[]> {
  return interleave(name, 'req/s', CONTENDERS, rounds, async (contender) => {
    const server = await startServer(script, ['serve', contender]);
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      await wrk({ url, seconds: 1, connections: 50, pipeline }); // warm-up
      const result = await wrk({ url, seconds, connections: 50, pipeline });
      if (result.errors > 0) console.warn(`${contender}: ${result.errors} errors`);
      return result.requestsPerSec;
    } finally {
      await server.stop();
    }
  });
}

/** Opens `count` keep-alive connections that each made one request, and leaves them idle. */
async function openIdle(port: number, count: number, respond: boolean): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => oneRequest(port, respond));
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

function oneRequest(port: number, respond: boolean): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      if (!respond) resolve(socket);
    });
    socket.once('error', reject);
    if (respond) socket.once('data', () => resolve(socket));
  });
}

async function idleMemory(count: number, rounds: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [contender, unit] of [
    ['httpstack', 'KiB/conn'],
    ['node:http', 'KiB/conn'],
    ['bare net', 'KiB/conn'],
  ] as const) {
    const figures: number[] = [];
    const heap: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const server: ServerProcess = await startServer(script, ['serve', contender], { execArgv: MEMORY_FLAGS });
      try {
        const before = await server.memory();
        const sockets = await openIdle(server.port, count, contender !== 'bare net');
        await new Promise((resolve) => setTimeout(resolve, 500));
        const after = await server.memory();
        figures.push((after.rss - before.rss) / 1024 / count);
        heap.push((after.heapUsed + after.external - before.heapUsed - before.external) / 1024 / count);
        for (const socket of sockets) socket.destroy();
      } finally {
        await server.stop();
      }
    }
    rows.push({
      case: `idle keep-alive memory (rss, 1 MB semi-space), ${count} conns`,
      contender,
      value: median(figures),
      unit,
      rounds: figures,
    });
    rows.push({
      case: `idle keep-alive memory (heap+external), ${count} conns`,
      contender,
      value: median(heap),
      unit,
      rounds: heap,
    });
  }
  return rows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const HELLO = 'hello, keep-alive, 50 conns';
const PIPELINED = 'hello, 16 pipelined, 50 conns';

const suite: Suite = {
  name: 'http-hello',
  async run({ quick }) {
    const rows: Row[] = [];
    const notes: string[] = [];
    if (hasWrk()) {
      const rounds = quick ? 1 : 3;
      const seconds = quick ? 2 : 5;
      rows.push(...(await throughput(HELLO, 1, rounds, seconds)));
      rows.push(...(await throughput(PIPELINED, 16, rounds, seconds)));
    } else {
      notes.push('wrk is not installed: throughput cases skipped (apt-get install wrk)');
    }
    rows.push(...(await idleMemory(quick ? 500 : 2000, quick ? 1 : 2)));
    const memory = `idle keep-alive memory (rss, 1 MB semi-space), ${quick ? 500 : 2000} conns`;
    const ratios: Ratio[] = [
      { case: HELLO, subject: 'httpstack', baseline: 'node:http', target: 1.3 },
      { case: PIPELINED, subject: 'httpstack', baseline: 'node:http', target: 5 },
      { case: memory, subject: 'httpstack', baseline: 'node:http' },
      { case: memory.replace('rss, 1 MB semi-space', 'heap+external'), subject: 'httpstack', baseline: 'node:http' },
    ];
    notes.push('target for memory: httpstack ≤ 12 KiB per idle keep-alive connection (rss row)');
    notes.push('servers run in child processes; wrk -t1 -c50; the machine is shared, figures are noisy');
    return { rows, ratios, notes };
  },
};

export default suite;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'serve') {
  await serve(process.argv[3] ?? 'httpstack');
}
