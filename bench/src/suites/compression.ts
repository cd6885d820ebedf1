/**
 * Compression on the fly: a compressible 20 KiB text file requested with
 * `Accept-Encoding: br, gzip` from `@httpstack/simplehttpserver` and from `serve` (the npm
 * CLI, which compresses by default), each in its own process, interleaved rounds of wrk
 * (keep-alive, 50 connections); and the same file from httpstack without `Accept-Encoding`,
 * its identity rate, which the compressed rate is held against.
 *
 * Run as a script (`node compression.js serve <contender> <dir>`), this file is the server.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serveChild } from '../lib/child.js';
import { serveStaticChild } from '../lib/static-child.js';
import { interleave } from '../lib/rounds.js';
import { startServer } from '../lib/server-process.js';
import { hasWrk, wrk } from '../lib/wrk.js';
import type { Ratio, Row, Suite } from '../suite.js';

const FILE = 'text20k.txt';
const COMPRESSED = { 'Accept-Encoding': 'br, gzip' };
/** Contender → how it is served and asked. */
const CONTENDERS: Record<string, { server: 'httpstack' | 'serve'; headers: Record<string, string> }> = {
  httpstack: { server: 'httpstack', headers: COMPRESSED },
  serve: { server: 'serve', headers: COMPRESSED },
  'httpstack identity': { server: 'httpstack', headers: {} },
};

// --- the servers (child side) ------------------------------------------------------------

/** Runs the `serve` CLI on a free port as a grandchild, reports that port once it accepts. */
async function serveServe(directory: string): Promise<void> {
  const port = await freePort();
  const bin = join(dirname(createRequire(import.meta.url).resolve('serve/package.json')), 'build', 'main.js');
  const child = spawn(
    process.execPath,
    [bin, '-L', '-n', '--no-port-switching', '-l', `tcp://127.0.0.1:${port}`, directory],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  process.on('exit', () => child.kill('SIGKILL'));
  for (let i = 0; i < 200 && !(await accepts(port)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  serveChild(port);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

// --- the harness -------------------------------------------------------------------------

const script = fileURLToPath(import.meta.url);

/** A 20 KiB text file that compresses as real text does (about 5:1), not as one repeated byte. */
function makeFixture(): string {
  const directory = mkdtempSync(join(tmpdir(), 'httpstack-compression-bench-'));
  const lines: string[] = [];
  for (let i = 0; lines.join('').length < 20 * 1024; i++) {
    lines.push(
      `${i.toString(36)}\t${['alpha', 'beta', 'gamma', 'delta'][i % 4]} line ${(i * 7919) % 1000} of the benchmark text\n`,
    );
  }
  writeFileSync(join(directory, FILE), lines.join('').slice(0, 20 * 1024));
  return directory;
}

/** The `Content-Encoding` a contender answers with, checked once per run. */
function codingOf(port: number, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: `/${FILE}`, headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(String(response.headers['content-encoding'] ?? 'identity')));
      })
      .on('error', reject);
  });
}

const CASE = 'GET compressible 20 KiB text, keep-alive, 50 conns';

const suite: Suite = {
  name: 'compression',
  async run({ quick }) {
    const rows: Row[] = [];
    const notes: string[] = [];
    const directory = makeFixture();
    await new Promise((resolve) => setTimeout(resolve, 2100)); // past the file cache's racy-clean window
    try {
      if (!hasWrk())
        return { rows, ratios: [], notes: ['wrk is not installed: compression suite skipped (apt-get install wrk)'] };
      const codings = new Map<string, string>();
      rows.push(
        ...(await interleave(CASE, 'req/s', Object.keys(CONTENDERS), quick ? 1 : 3, async (contender) => {
          const { server: kind, headers } = CONTENDERS[contender]!;
          const server = await startServer(script, ['serve', kind, directory]);
          try {
            const url = `http://127.0.0.1:${server.port}/${FILE}`;
            codings.set(contender, await codingOf(server.port, headers));
            await wrk({ url, seconds: 1, connections: 50, headers }); // warm-up
            const result = await wrk({ url, seconds: quick ? 2 : 3, connections: 50, headers });
            if (result.errors > 0) console.warn(`${contender}: ${result.errors} errors`);
            return result.requestsPerSec;
          } finally {
            await server.stop();
          }
        })),
      );
      notes.push(`answered with: ${[...codings].map(([name, coding]) => `${name} ${coding}`).join(', ')}`);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const ratios: Ratio[] = [
      { case: CASE, subject: 'httpstack', baseline: 'serve', target: 10 },
      { case: CASE, subject: 'httpstack', baseline: 'httpstack identity', target: 0.7 },
    ];
    notes.push(
      'httpstack and serve get Accept-Encoding: br, gzip; "httpstack identity" gets none; wrk -t1 -c50; the machine is shared, figures are noisy',
    );
    return { rows, ratios, notes };
  },
};

export default suite;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'serve') {
  const directory = process.argv[4] ?? process.cwd();
  await (process.argv[3] === 'serve' ? serveServe(directory) : serveStaticChild(directory));
}
