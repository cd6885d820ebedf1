/**
 * Static files: `@httpstack/simplehttpserver` against `sirv` and `node:http` + `send`, each
 * in its own process, interleaved rounds: wrk (keep-alive, 50 connections) on a 1 KiB and a
 * 100 KiB file, and a 200 MiB download (curl, best of three per round) in MB/s.
 *
 * Run as a script (`node static.js serve <contender> <dir>`), this file is the server.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import send from 'send';
import sirv from 'sirv';
import { serveChild } from '../lib/child.js';
import { KEEP_ALIVE_MS, serveStaticChild } from '../lib/static-child.js';
import { interleave } from '../lib/rounds.js';
import { startServer } from '../lib/server-process.js';
import { hasWrk, wrk } from '../lib/wrk.js';
import type { Ratio, Row, Suite } from '../suite.js';

const CONTENDERS = ['httpstack', 'sirv', 'send'];
const BIG_MIB = 200;

// --- the servers (child side) ------------------------------------------------------------

async function serve(contender: string, directory: string): Promise<void> {
  if (contender === 'httpstack') return serveStaticChild(directory);
  const handler: http.RequestListener =
    contender === 'sirv'
      ? sirv(directory)
      : (request, response) =>
          void send(request, new URL(request.url!, 'http://x').pathname, { root: directory }).pipe(response);
  const server = http.createServer(handler);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.listen(0, '127.0.0.1', () => serveChild((server.address() as AddressInfo).port));
}

// --- the harness -------------------------------------------------------------------------

const script = fileURLToPath(import.meta.url);

function makeFixture(): string {
  const directory = mkdtempSync(join(tmpdir(), 'httpstack-static-bench-'));
  writeFileSync(join(directory, 'small.txt'), 'x'.repeat(1023) + '\n');
  writeFileSync(join(directory, 'medium.txt'), 'y'.repeat(100 * 1024 - 1) + '\n');
  const mib = Buffer.alloc(1024 * 1024, 0x61);
  const big = join(directory, 'big.bin');
  writeFileSync(big, '');
  for (let i = 0; i < BIG_MIB; i++) writeFileSync(big, mib, { flag: 'a' });
  return directory;
}

async function requestsPerSecond(
  name: string,
  file: string,
  directory: string,
  rounds: number,
  seconds: number,
): Promise<Row[]> {
  return interleave(name, 'req/s', CONTENDERS, rounds, async (contender) => {
    const server = await startServer(script, ['serve', contender, directory]);
    try {
      const url = `http://127.0.0.1:${server.port}/${file}`;
      await wrk({ url, seconds: 1, connections: 50 }); // warm-up
      const result = await wrk({ url, seconds, connections: 50 });
      if (result.errors > 0) console.warn(`${contender} ${file}: ${result.errors} errors`);
      return result.requestsPerSec;
    } finally {
      await server.stop();
    }
  });
}

/** One download of the big file with curl; MB/s (10^6 bytes). */
function download(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{speed_download} %{size_download}', url], (error, stdout) => {
      if (error) return reject(error);
      const [speed, size] = stdout.trim().split(' ').map(Number);
      if (size !== BIG_MIB * 1024 * 1024) return reject(new Error(`short download: ${size} bytes`));
      resolve(speed! / 1e6);
    });
  });
}

async function megabytesPerSecond(name: string, directory: string, rounds: number): Promise<Row[]> {
  return interleave(name, 'MB/s', CONTENDERS, rounds, async (contender) => {
    const server = await startServer(script, ['serve', contender, directory]);
    try {
      const url = `http://127.0.0.1:${server.port}/big.bin`;
      await download(url); // warm-up: page cache, JIT
      // best of three: one download lasts a fraction of a second, easily hit by other load
      let best = 0;
      for (let i = 0; i < 3; i++) best = Math.max(best, await download(url));
      return best;
    } finally {
      await server.stop();
    }
  });
}

const SMALL = 'GET 1 KiB file, keep-alive, 50 conns';
const MEDIUM = 'GET 100 KiB file, keep-alive, 50 conns';
const BIG = `GET ${BIG_MIB} MiB file, one download at a time`;

const suite: Suite = {
  name: 'static',
  async run({ quick }) {
    const rows: Row[] = [];
    const notes: string[] = [];
    const directory = makeFixture();
    // the file cache keeps no bytes of files changed in the last 2 s (racy-clean rule)
    await new Promise((resolve) => setTimeout(resolve, 2100));
    try {
      const rounds = quick ? 1 : 3;
      const seconds = quick ? 2 : 3;
      if (hasWrk()) {
        rows.push(...(await requestsPerSecond(SMALL, 'small.txt', directory, rounds, seconds)));
        rows.push(...(await requestsPerSecond(MEDIUM, 'medium.txt', directory, rounds, seconds)));
      } else {
        notes.push('wrk is not installed: request-rate cases skipped (apt-get install wrk)');
      }
      if (spawnSync('curl', ['--version']).error === undefined) {
        rows.push(...(await megabytesPerSecond(BIG, directory, rounds)));
      } else {
        notes.push('curl is not installed: download case skipped');
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const ratios: Ratio[] = [
      { case: SMALL, subject: 'httpstack', baseline: 'sirv', target: 4 },
      { case: MEDIUM, subject: 'httpstack', baseline: 'sirv', target: 3 },
      { case: BIG, subject: 'httpstack', baseline: 'sirv', target: 2.5 },
      { case: SMALL, subject: 'httpstack', baseline: 'send' },
      { case: MEDIUM, subject: 'httpstack', baseline: 'send' },
      { case: BIG, subject: 'httpstack', baseline: 'send' },
    ];
    notes.push(
      'servers run in child processes (no access log); wrk -t1 -c50; curl -o /dev/null; the machine is shared, figures are noisy',
    );
    return { rows, ratios, notes };
  },
};

export default suite;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'serve') {
  await serve(process.argv[3] ?? 'httpstack', process.argv[4] ?? process.cwd());
}
