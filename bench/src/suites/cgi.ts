/**
 * CGI: a hello script (`/bin/sh`) through `@httpstack/cgihttpserver` against Python's
 * `http.server --cgi` and lighttpd's `mod_cgi` (where installed), and against the raw rate at which Node spawns the same script (the
 * ceiling), in one run with interleaved rounds. Then the same server with a 1 GiB heap,
 * spawning through its helper process and, for contrast, straight from the big process;
 * `httpstack` uses the native helper (when built), `httpstack, Node helper` the Node one.
 * The floor: the same script started by a small C loop with `posix_spawn` (when `cc` is
 * here) — what a spawn costs without Node's `fork()`.
 *
 * Every HTTP contender gets `Connection: close`, as Python's HTTP/1.0 CGI handler closes
 * each connection anyway; `httpstack, keep-alive` shows ours without that. Each starts
 * afresh every round; its first second is reported apart (cold), then all warm up alike:
 * at a few hundred requests a second, Node's JIT needs seconds, not one, to settle.
 *
 * Run as a script (`node cgi.js serve <mode> <dir> <heapMiB>`), this file is the server;
 * `node cgi.js spawn <script> <concurrency> <seconds>` is the raw spawn loop.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HTTPServer } from '@httpstack/basehttpserver';
import { CGIHTTPRequestHandler, type SpawnMode } from '@httpstack/cgihttpserver';
import { serveChild } from '../lib/child.js';
import { interleave, median } from '../lib/rounds.js';
import { startServer } from '../lib/server-process.js';
import { hasWrk, wrk } from '../lib/wrk.js';
import type { Ratio, Row, Suite } from '../suite.js';

const HELLO = '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\nhello\\n"\n';
/** Connections (wrk) and spawns in flight (raw loop): the same for every contender. */
const CONCURRENCY = 8;
const OURS = 'httpstack';
const OURS_KA = 'httpstack, keep-alive';
const OURS_NODE = 'httpstack, Node helper';
const FLOOR = 'C posix_spawn loop (floor)';
const OURS_BIG = 'httpstack, 1 GiB heap';
const DIRECT_BIG = 'httpstack direct spawn, 1 GiB heap';
const PYTHON = 'python3 http.server --cgi';
const LIGHTTPD = 'lighttpd mod_cgi';
const RAW = 'node spawn loop (ceiling)';

// --- child side ----------------------------------------------------------------------------

/** Keeps about `mib` MiB of small live JS objects on the heap (about 120 bytes each). */
function fillHeap(mib: number): unknown[] {
  const keep: unknown[] = [];
  const count = Math.round((mib * 1024 * 1024) / 120);
  for (let i = 0; i < count; i++) keep.push({ i, s: 'v', t: [i] });
  return keep;
}

async function serve(mode: SpawnMode, directory: string, heapMiB: number): Promise<void> {
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
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(script, [], { stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: '/usr/bin:/bin' } });
      child.stdout.resume();
      child.once('error', reject);
      child.once('close', () => resolve());
    });
  const started = performance.now();
  const ticks = cpuTicks(process.pid);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await once();
        done++;
      }
    }),
  );
  console.log(`${done / ((performance.now() - started) / 1000)} ${done} ${cpuTicks(process.pid) - ticks}`);
}

/**
 * The floor: `conc` spawns of `script` in flight for `secs` s with `posix_spawn` (stdout a
 * pipe read to its end, stdin and stderr `/dev/null`), as a C program; prints spawns/s,
 * spawns and the CPU ms of itself and its reaped scripts.
 */
const FLOOR_C = `#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double ms(struct timeval u, struct timeval s) { return u.tv_sec * 1e3 + u.tv_usec / 1e3 + s.tv_sec * 1e3 + s.tv_usec / 1e3; }
int main(int argc, char **argv) {
  if (argc < 4) return 2;
  char *args[] = { argv[1], NULL }, *env[] = { "PATH=/usr/bin:/bin", NULL };
  int conc = atoi(argv[2]), running = 0; double end = now() + atof(argv[3]), start = now();
  if (conc < 1 || conc > 64) return 2;
  struct pollfd fds[64]; pid_t pids[64]; long done = 0;
  for (;;) {
    while (running < conc && now() < end) {
      int p[2]; if (pipe(p)) return 1;
      posix_spawn_file_actions_t fa; posix_spawn_file_actions_init(&fa);
      posix_spawn_file_actions_adddup2(&fa, p[1], 1);
      posix_spawn_file_actions_addclose(&fa, p[0]);
      posix_spawn_file_actions_addclose(&fa, p[1]);
      posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
      posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
      if (posix_spawn(&pids[running], argv[1], &fa, NULL, args, env)) return 1;
      posix_spawn_file_actions_destroy(&fa);
      close(p[1]); fds[running].fd = p[0]; fds[running].events = POLLIN; running++;
    }
    if (running == 0) break;
    poll(fds, running, 1000);
    for (int i = 0; i < running; i++) {
      char buf[4096];
      if (!fds[i].revents || read(fds[i].fd, buf, sizeof buf) > 0) continue;
      close(fds[i].fd); waitpid(pids[i], NULL, 0); done++; running--;
      fds[i] = fds[running]; pids[i] = pids[running]; i--;
    }
  }
  struct rusage self, kids; getrusage(RUSAGE_SELF, &self); getrusage(RUSAGE_CHILDREN, &kids);
  printf("%f %ld %f\\n", done / (now() - start), done, ms(self.ru_utime, self.ru_stime) + ms(kids.ru_utime, kids.ru_stime));
  return 0;
}
`;

/** Compiles the floor program into `directory`; `undefined` when there is no C compiler. */
function buildFloor(directory: string): string | undefined {
  const source = join(directory, 'floor.c');
  const binary = join(directory, 'floor');
  writeFileSync(source, FLOOR_C);
  const built = spawnSync('cc', ['-O2', '-o', binary, source], { stdio: 'ignore' });
  return built.status === 0 ? binary : undefined;
}

function floorRate(binary: string, script: string, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(binary, [script, String(CONCURRENCY), String(seconds)], (error, stdout) => {
      if (error) return reject(error);
      const [rate, count, cpuMs] = stdout.trim().split(' ').map(Number);
      if (count! > 0) cpuPerRequest.set(FLOOR, [...(cpuPerRequest.get(FLOOR) ?? []), cpuMs! / count!]);
      resolve(rate!);
    });
  });
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
  return [
    pid,
    ...children
      .split('\n')
      .map(Number)
      .filter((child) => child > 0),
  ];
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

async function waitForPort(port: number, child: ChildProcess, name: string): Promise<void> {
  for (let i = 0; i < 200 && child.exitCode === null; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not listen`);
}

/** Stops a contender started here (by its PID). */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** lighttpd's binary, if installed (Debian puts it in /usr/sbin, often not on a user's PATH). */
function lighttpdPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v lighttpd'], { encoding: 'utf8' }).stdout?.trim();
  if (found) return found;
  return existsSync('/usr/sbin/lighttpd') ? '/usr/sbin/lighttpd' : undefined;
}

/**
 * lighttpd serving `directory` with `mod_cgi` for `/cgi-bin/` (`cgi.assign = ("" => "")`:
 * executables run themselves), no access log, as `nobody` when run as root (as ours).
 */
async function startLighttpd(directory: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const conf = join(directory, `lighttpd-${port}.conf`);
  const user = process.getuid?.() === 0 ? 'server.username = "nobody"\n' : '';
  writeFileSync(
    conf,
    `server.document-root = "${directory}"\nserver.bind = "127.0.0.1"\nserver.port = ${port}\n` +
      `server.modules = ("mod_cgi")\n${user}$HTTP["url"] =~ "^/cgi-bin/" { cgi.assign = ("" => "") }\n`,
  );
  const child = spawn(lighttpdPath()!, ['-D', '-f', conf], { stdio: 'ignore' });
  await waitForPort(port, child, 'lighttpd');
  return { url: `http://127.0.0.1:${port}/cgi-bin/hello.sh`, pid: child.pid!, stop: () => stopChild(child) };
}

/** Starts a contender; resolves with its URL, its process id and a stop function. */
async function start(
  contender: string,
  directory: string,
): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  if (contender === PYTHON) {
    const port = await freePort();
    const child = spawn('python3', ['-m', 'http.server', '--cgi', '--bind', '127.0.0.1', String(port)], {
      cwd: directory,
      stdio: 'ignore',
    });
    await waitForPort(port, child, 'python3 http.server');
    return { url: `http://127.0.0.1:${port}/cgi-bin/hello.sh`, pid: child.pid!, stop: () => stopChild(child) };
  }
  if (contender === LIGHTTPD) return startLighttpd(directory);
  const big = contender === OURS_BIG || contender === DIRECT_BIG;
  const mode = contender === DIRECT_BIG ? 'direct' : contender === OURS_NODE ? 'node-helper' : 'helper';
  const args = ['serve', mode, directory, big ? '1024' : '0'];
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

/** `Connection: close` for all but the keep-alive contender (Python closes every connection). */
function headersFor(contender: string): Record<string, string> {
  return contender === OURS_KA ? {} : { Connection: 'close' };
}

/** Each HTTP contender's rate in its first second after start, by round (filled in by `measure`). */
const coldRates = new Map<string, number[]>();

async function measure(contender: string, directory: string, seconds: number, warmUpSeconds: number): Promise<number> {
  const script = join(directory, 'cgi-bin', 'hello.sh');
  if (contender === RAW) return rawRate(script, seconds);
  if (contender === FLOOR) return floorRate(join(directory, 'floor'), script, seconds);
  const server = await start(contender, directory);
  const headers = headersFor(contender);
  try {
    // The first second after start is its own figure (cold: the helper starts, Node's JIT
    // has seen a few hundred requests); then every contender warms up alike to its steady
    // rate, which at a few hundred spawns a second takes Node several seconds to reach.
    const cold = await wrk({ url: server.url, seconds: 1, connections: CONCURRENCY, headers });
    coldRates.set(contender, [...(coldRates.get(contender) ?? []), cold.requestsPerSec]);
    await wrk({ url: server.url, seconds: warmUpSeconds, connections: CONCURRENCY, headers });
    const tree = processTree(server.pid);
    const before = treeTicks(tree);
    const result = await wrk({ url: server.url, seconds, connections: CONCURRENCY, headers });
    noteCpu(contender, treeTicks(tree) - before, result.requests);
    // A close-delimited response ends with the server's close, which wrk counts as a read
    // error: one per request. Anything beyond (a 503, a reset) would inflate the rate.
    const unexpected = contender === OURS_KA ? result.errors : result.errors - result.requests;
    if (unexpected > 0) console.warn(`${contender}: ${unexpected} errors or non-2xx responses`);
    return result.requestsPerSec;
  } finally {
    await server.stop();
  }
}

const CPU_CASE = 'CPU ms per request (server, helper and scripts; wrk not counted)';
const COLD_CASE = `GET hello CGI script (sh), first second after start, ${CONCURRENCY} conns`;

/** Rows for the figures `measure` collected besides each round's rate. */
function collectedRows(caseName: string, unit: string, figures: Map<string, number[]>): Row[] {
  return [...figures].map(([contender, rounds]) => ({
    case: caseName,
    contender,
    value: median(rounds),
    unit,
    rounds,
  }));
}

const CASE = `GET hello CGI script (sh), ${CONCURRENCY} conns / spawns in flight`;

const suite: Suite = {
  name: 'cgi',
  async run({ quick }) {
    const notes: string[] = [];
    if (!hasWrk()) return { rows: [], ratios: [], notes: ['wrk is not installed: CGI suite skipped'] };
    const contenders = [RAW, OURS, OURS_KA, OURS_NODE, OURS_BIG, DIRECT_BIG];
    const hasPython = spawnSync('python3', ['-c', 'import http.server as h; h.CGIHTTPRequestHandler']).status === 0;
    if (hasPython) contenders.splice(1, 0, PYTHON);
    else notes.push('python3 with http.server CGIHTTPRequestHandler (<= 3.12) not found: Python case skipped');
    if (lighttpdPath() !== undefined) contenders.splice(1, 0, LIGHTTPD);
    else notes.push('lighttpd not found: the lighttpd mod_cgi case is skipped (.ci/run installs it)');
    const directory = makeFixture();
    if (buildFloor(directory) !== undefined) contenders.splice(1, 0, FLOOR);
    else notes.push('no C compiler (cc): the posix_spawn floor is skipped');
    let rows: Row[];
    try {
      rows = await interleave(CASE, 'req/s', contenders, quick ? 1 : 5, (contender) =>
        measure(contender, directory, quick ? 1 : 2, quick ? 1 : 3),
      );
      rows.push(...collectedRows(COLD_CASE, 'req/s', coldRates), ...collectedRows(CPU_CASE, 'ms', cpuPerRequest));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const ratios: Ratio[] = [
      { case: CASE, subject: OURS, baseline: PYTHON, target: 3 },
      { case: CASE, subject: OURS, baseline: LIGHTTPD, target: 1 },
      { case: CASE, subject: OURS, baseline: RAW, target: 0.9 },
      { case: COLD_CASE, subject: OURS, baseline: LIGHTTPD },
      { case: COLD_CASE, subject: OURS, baseline: PYTHON },
      { case: CASE, subject: OURS_NODE, baseline: PYTHON },
      { case: CASE, subject: OURS_NODE, baseline: RAW },
      { case: CASE, subject: OURS_BIG, baseline: RAW, target: 0.9 },
      { case: CASE, subject: DIRECT_BIG, baseline: RAW },
      { case: CASE, subject: OURS_BIG, baseline: DIRECT_BIG },
      { case: CPU_CASE, subject: OURS, baseline: RAW, lowerIsBetter: true },
      { case: CPU_CASE, subject: OURS, baseline: PYTHON, lowerIsBetter: true },
      { case: CPU_CASE, subject: OURS, baseline: LIGHTTPD, lowerIsBetter: true },
      { case: CPU_CASE, subject: OURS_NODE, baseline: RAW, lowerIsBetter: true },
      { case: CPU_CASE, subject: RAW, baseline: FLOOR, lowerIsBetter: true },
      { case: CPU_CASE, subject: OURS, baseline: FLOOR, lowerIsBetter: true },
    ];
    notes.push(
      `wrk -t1 -c${CONCURRENCY}; the spawn loop keeps ${CONCURRENCY} spawns in flight from a small Node process`,
      `each HTTP contender starts afresh every round: its first second is the "first second after start" figure, then ${quick ? 1 : 3} s more of warm-up (alike for all) before the measured ${quick ? 1 : 2} s; the order of contenders turns every round`,
      'every HTTP contender gets Connection: close (Python\'s CGI handler speaks HTTP/1.0 and closes anyway); "httpstack, keep-alive" is ours with HTTP/1.1 keep-alive and chunked output; no access log; scripts run as nobody when run as root',
      `floor: a C loop with posix_spawn (no fork of a big process), ${CONCURRENCY} in flight, stdout a pipe`,
      'the machine has 2 cores shared with other work: req/s figures are noisy; CPU per request much less so',
      'CPU per request: utime+stime (+ reaped children, i.e. the scripts) of the server and its direct children, over the measured wrk run',
    );
    return { rows, ratios, notes };
  },
};

export default suite;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'serve') {
    await serve(
      (process.argv[3] ?? 'helper') as SpawnMode,
      process.argv[4] ?? process.cwd(),
      Number(process.argv[5] ?? 0),
    );
  } else if (process.argv[2] === 'spawn') {
    await spawnLoop(process.argv[3]!, Number(process.argv[4] ?? CONCURRENCY), Number(process.argv[5] ?? 3));
  }
}
