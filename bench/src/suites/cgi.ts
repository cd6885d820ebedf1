/**
 * CGI: a hello script (`/bin/sh`) through `@httpstack/cgihttpserver` against Python's
 * `http.server --cgi`, and against the raw rate at which Node spawns the same script (the
 * ceiling), in one run with interleaved rounds. Then the same server with a 1 GiB heap,
 * spawning through its helper process and, for contrast, straight from the big process.
 *
 * Run as a script (`node cgi.js serve <mode> <dir> <heapMiB>`), this file is the server;
 * `node cgi.js spawn <script> <concurrency> <seconds>` is the raw spawn loop.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HTTPServer } from '@httpstack/basehttpserver';
import { CGIHTTPRequestHandler } from '@httpstack/cgihttpserver';
import { serveChild } from '../lib/child.js';
import { readFileSync } from 'node:fs';
import { interleave, median } from '../lib/rounds.js';
import { startServer } from '../lib/server-process.js';
import { hasWrk, wrk } from '../lib/wrk.js';
import type { Ratio, Row, Suite } from '../suite.js';

const HELLO = '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\nhello\\n"\n';
/** Connections (wrk) and spawns in flight (raw loop): the same for every contender. */
const CONCURRENCY = 8;
const OURS = 'httpstack';
const OURS_BIG = 'httpstack, 1 GiB heap';
const DIRECT_BIG = 'httpstack direct spawn, 1 GiB heap';
const PYTHON = 'python3 http.server --cgi';
const RAW = 'node spawn loop (ceiling)';

// --- child side ----------------------------------------------------------------------------

/** Keeps about `mib` MiB of small live JS objects on the heap (about 120 bytes each). */
function fillHeap(mib: number): unknown[] {
  const keep: unknown[] = [];
  const count = Math.round((mib * 1024 * 1024) / 120);
  for (let i = 0; i < count; i++) keep.push({ i, s: 'v', t: [i] });
  return keep;
}

async function serve(mode: 'helper' | 'direct', directory: string, heapMiB: number): Promise<void> {
  const ballast = fillHeap(heapMiB);
  class Handler extends CGIHTTPRequestHandler {
    override directory = directory;
    override spawnMode = mode;
    override protocolVersion = 'HTTP/1.1';
    /** No access log: Python's goes to /dev/null here. */
    override logMessage(): void {}
  }
  const server = new HTTPServer(['127.0.0.1', 0], Handler);
  await server.serverBind();
  void server.serveForever();
  serveChild((server.serverAddress as [string, number])[1], () => ballast.length);
}

/** Spawns `script` with `concurrency` in flight for `seconds`; prints spawns per second. */
async function spawnLoop(script: string, concurrency: number, seconds: number): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const once = () => new Promise<void>((resolve, reject) => {
    const child = spawn(script, [], { stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: '/usr/bin:/bin' } });
    child.stdout.resume();
    child.once('error', reject);
    child.once('close', () => resolve());
  });
  const started = performance.now();
  const ticks = cpuTicks(process.pid);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      await once();
      done++;
    }
  }));
  console.log(`${done / ((performance.now() - started) / 1000)} ${done} ${cpuTicks(process.pid) - ticks}`);
}

// --- harness -------------------------------------------------------------------------------

/** CPU clock ticks (1/100 s on Linux) used by `pid` and its waited-for children (the scripts). */
function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0); // utime stime cutime cstime
  } catch {
    return 0;
  }
}

/** The processes whose CPU a contender spends: the server and its direct children (the spawn helper). */
function processTree(pid: number): number[] {
  const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout ?? '';
  return [pid, ...children.split('\n').map(Number).filter((child) => child > 0)];
}

const treeTicks = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);

const self = fileURLToPath(import.meta.url);

function makeFixture(): string {
  const base = mkdtempSync(join(tmpdir(), 'httpstack-cgi-bench-'));
  chmodSync(base, 0o755); // scripts run as nobody when the bench runs as root
  mkdirSync(join(base, 'cgi-bin'), { mode: 0o755 });
  writeFileSync(join(base, 'cgi-bin', 'hello.sh'), HELLO, { mode: 0o755 });
  return base;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200 && child.exitCode === null; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('python3 http.server did not listen');
}

/** Starts a contender; resolves with its URL, its process id and a stop function. */
async function start(contender: string, directory: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  if (contender === PYTHON) {
    const port = await freePort();
    const child = spawn('python3', ['-m', 'http.server', '--cgi', '--bind', '127.0.0.1', String(port)], { cwd: directory, stdio: 'ignore' });
    await waitForPort(port, child);
    const stop = () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    return { url: `http://127.0.0.1:${port}/cgi-bin/hello.sh`, pid: child.pid!, stop };
  }
  const big = contender === OURS_BIG || contender === DIRECT_BIG;
  const args = ['serve', contender === DIRECT_BIG ? 'direct' : 'helper', directory, big ? '1024' : '0'];
  const server = await startServer(self, args, { execArgv: ['--max-old-space-size=3072'] });
  return { url: `http://127.0.0.1:${server.port}/cgi-bin/hello.sh`, pid: server.pid, stop: () => server.stop() };
}

/** CPU ms per request of each contender, by round (filled in by `measure`). */
const cpuPerRequest = new Map<string, number[]>();

function noteCpu(contender: string, ticks: number, requests: number): void {
  if (requests > 0) cpuPerRequest.set(contender, [...(cpuPerRequest.get(contender) ?? []), (ticks * 10) / requests]);
}

function rawRate(script: string, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [self, 'spawn', script, String(CONCURRENCY), String(seconds)], (error, stdout) => {
      if (error) return reject(error);
      const [rate, count, ticks] = stdout.trim().split(' ').map(Number);
      noteCpu(RAW, ticks!, count!);
      resolve(rate!);
    });
  });
}

async function measure(contender: string, directory: string, seconds: number): Promise<number> {
  if (contender === RAW) return rawRate(join(directory, 'cgi-bin', 'hello.sh'), seconds);
  const server = await start(contender, directory);
  try {
    await wrk({ url: server.url, seconds: 1, connections: CONCURRENCY }); // warm-up (starts the helper)
    const tree = processTree(server.pid);
    const before = treeTicks(tree);
    const result = await wrk({ url: server.url, seconds, connections: CONCURRENCY });
    noteCpu(contender, treeTicks(tree) - before, result.requests);
    if (result.errors > 0 && contender !== PYTHON) console.warn(`${contender}: ${result.errors} errors`);
    return result.requestsPerSec;
  } finally {
    await server.stop();
  }
}

const CPU_CASE = 'CPU ms per request (server, helper and scripts; wrk not counted)';

function cpuRows(): Row[] {
  return [...cpuPerRequest].map(([contender, rounds]) => ({ case: CPU_CASE, contender, value: median(rounds), unit: 'ms', rounds }));
}

const CASE = `GET hello CGI script (sh), ${CONCURRENCY} conns`;

const suite: Suite = {
  name: 'cgi',
  async run({ quick }) {
    const notes: string[] = [];
    if (!hasWrk()) return { rows: [], ratios: [], notes: ['wrk is not installed: CGI suite skipped'] };
    const contenders = [RAW, OURS, OURS_BIG, DIRECT_BIG];
    const hasPython = spawnSync('python3', ['-c', 'import http.server as h; h.CGIHTTPRequestHandler']).status === 0;
    if (hasPython) contenders.splice(1, 0, PYTHON);
    else notes.push('python3 with http.server CGIHTTPRequestHandler (<= 3.12) not found: Python case skipped');
    const directory = makeFixture();
    let rows: Row[];
    try {
      rows = await interleave(CASE, 'req/s', contenders, quick ? 1 : 3, (contender) => measure(contender, directory, quick ? 2 : 3));
      rows.push(...cpuRows());
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const ratios: Ratio[] = [
      { case: CASE, subject: OURS, baseline: PYTHON, target: 3 },
      { case: CASE, subject: OURS, baseline: RAW, target: 0.9 },
      { case: CASE, subject: OURS_BIG, baseline: RAW, target: 0.9 },
      { case: CASE, subject: DIRECT_BIG, baseline: RAW },
      { case: CASE, subject: OURS_BIG, baseline: DIRECT_BIG },
      { case: CPU_CASE, subject: OURS, baseline: RAW, lowerIsBetter: true },
      { case: CPU_CASE, subject: OURS, baseline: PYTHON, lowerIsBetter: true },
    ];
    notes.push(
      `wrk -t1 -c${CONCURRENCY}; the spawn loop keeps ${CONCURRENCY} spawns in flight from a small Node process`,
      'httpstack speaks HTTP/1.1 (keep-alive, chunked), Python HTTP/1.0 (a connection per request, which wrk counts as read errors); no access log; scripts run as nobody when run as root',
      'the machine has 2 cores shared with other work: req/s figures are noisy; CPU per request much less so',
      'CPU per request: utime+stime (+ reaped children, i.e. the scripts) of the server and its direct children, over the measured wrk run',
    );
    return { rows, ratios, notes };
  },
};

export default suite;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'serve') {
    await serve(process.argv[3] === 'direct' ? 'direct' : 'helper', process.argv[4] ?? process.cwd(), Number(process.argv[5] ?? 0));
  } else if (process.argv[2] === 'spawn') {
    await spawnLoop(process.argv[3]!, Number(process.argv[4] ?? CONCURRENCY), Number(process.argv[5] ?? 3));
  }
}
