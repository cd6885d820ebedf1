/**
 * Runs `server-child.js` in a child process (optionally under a `ulimit -n`) and measures
 * it from outside: RSS, open descriptors (`/proc/<pid>/fd`), CPU time (`/proc/<pid>/stat`),
 * and the child's own count of active handles.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A snapshot of the child's resources. */
export interface Stats {
  rss: number;
  heapUsed: number;
  fds: number;
  /** Active handles and requests by kind (`TCPSocketWrap`, `Timeout`, …). */
  resources: Record<string, number>;
  handles: number;
}

/** A server child process. */
export interface ServerChild {
  port: number;
  pid: number;
  /** Asks the child for its stats (`gc` first runs a garbage collection). */
  stats(gc?: boolean): Promise<Stats>;
  /** The child's live timers grouped by duration and callback (to find a leak). */
  timers(): Promise<Record<string, number>>;
  /** User + system CPU time of the child so far, in ms. */
  cpuMs(): number;
  /** Processes below the child other than `keep` (e.g. CGI scripts still running). */
  descendants(): number[];
  stop(): Promise<void>;
}

/** Options of `startChild`. */
export interface ChildOptions {
  /** `ulimit -n` for the child. */
  fdLimit?: number;
  env?: Record<string, string>;
}

// From dist/ (scripts) or src/ (vitest): the compiled child is always dist/server-child.js.
const SCRIPT = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? '../dist/server-child.js' : './server-child.js', import.meta.url),
);
const TICK_MS = 1000 / 100; // USER_HZ on Linux

/** Starts the server child and resolves once it listens. */
export function startChild(options: ChildOptions = {}): Promise<ServerChild> {
  const node = `exec "${process.execPath}" --expose-gc "${SCRIPT}"`;
  const command = options.fdLimit === undefined ? node : `ulimit -n ${options.fdLimit} && ${node}`;
  const child = spawn('bash', ['-c', command], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('server child did not listen within 20 s')), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('exit', (code) => fail(new Error(`server child exited (${code}) before listening`)));
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(wrap(child, message.port));
    });
  });
}

let nextId = 0;

/** Resident set size of process `pid`, in bytes (`VmRSS` of `/proc/<pid>/status`). */
function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'latin1')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

/** Sends `ask` to the child and resolves with its reply. */
function ask<T>(child: ChildProcess, what: string): Promise<T & { id: number }> {
  return new Promise((resolve) => {
    const id = ++nextId;
    const onMessage = (reply: T & { id: number }) => {
      if (reply.id !== id) return;
      child.off('message', onMessage);
      resolve(reply);
    };
    child.on('message', onMessage);
    child.send({ id, ask: what });
  });
}

async function stats(child: ChildProcess, gc: boolean): Promise<Stats> {
  const pid = child.pid!;
  const reply = await ask<{ heapUsed: number; resources: Record<string, number> }>(child, gc ? 'gc' : 'stats');
  const handles = Object.values(reply.resources).reduce((a, b) => a + b, 0);
  return {
    rss: rss(pid),
    heapUsed: reply.heapUsed,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    resources: reply.resources,
    handles,
  };
}

/** User + system CPU time of `pid` in ms (fields 14 and 15 of `/proc/<pid>/stat`). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** Ends `child` (SIGTERM, then SIGKILL after 5 s) and waits for its exit. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function wrap(child: ChildProcess, port: number): ServerChild {
  const pid = child.pid!;
  return {
    port,
    pid,
    stats: (gc = false) => stats(child, gc),
    timers: async () => (await ask<{ timers: Record<string, number> }>(child, 'timers')).timers,
    cpuMs: () => cpuMs(pid),
    descendants: () => descendants(pid),
    stop: () => stop(child),
  };
}

/** PIDs of every process below `root` (from the parent links in `/proc/<pid>/stat`). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = readFileSync(`/proc/${name}/stat`, 'latin1').split(') ')[1]!.split(' ');
      parents.set(Number(name), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const below = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents) if (below.has(parent) && !below.has(pid)) grew = below.add(pid) !== undefined;
  }
  below.delete(root);
  return [...below];
}
