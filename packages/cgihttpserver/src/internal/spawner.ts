/**
 * Starting CGI scripts: through the spawn helper (the default) or straight from this
 * process. Replaces the `os.fork()` / `subprocess.Popen` half of Python's `run_cgi`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { encodeSpec, type HelperMessage, type ServerMessage, type SpawnSpec } from './spawn-protocol.js';

/** How a script ended: its exit code, or the signal that ended it, or why it never started. */
export interface ScriptExit {
  code: number | null;
  signal: string | null;
  /** Set when the script could not be started (its stdout then ends with no output). */
  error?: Error;
}

/** A running script. */
export interface ScriptProcess {
  /** The script's stdin (`null` when the spec said `stdin: false`); `end()` gives it end of file. */
  readonly stdin: Writable | null;
  /** The script's stdout. */
  readonly stdout: Readable;
  /** Settles when the script process has exited. */
  readonly exited: Promise<ScriptExit>;
  /** Sends `signal` to the script's whole process group. */
  kill(signal: NodeJS.Signals): void;
  /** Says the job is over: no more kills from here. Call once, last. */
  release(): void;
}

/** What to run; the spawner numbers it. */
export type ScriptSpec = Omit<SpawnSpec, 'id'>;

/** Starts scripts. */
export interface Spawner {
  /**
   * Starts `spec`. Rejects (with the errno `code`) if it cannot be started — or, when it
   * gets no stdin, may instead resolve at once and report the failure in `exited`.
   */
  spawn(spec: ScriptSpec, onStderr: (text: string) => void): Promise<ScriptProcess>;
  /** Stops the spawner (and the helper, if any); running scripts are killed. */
  close(): Promise<void>;
}

interface Job {
  started: () => void;
  failed: (error: Error) => void;
  exited: (exit: ScriptExit) => void;
  onStderr: (text: string) => void;
}

/** Memory the helper may use: it holds almost nothing, which is the point. */
const HELPER_ARGV = ['--max-old-space-size=64', '--max-semi-space-size=2'];

/** Which helper program: the native one (`native-spawn-helper.c`, when built) or the Node one. */
export type HelperKind = 'native' | 'node';

/**
 * HelperSpawner starts scripts through one long-lived helper process, so the cost of a
 * spawn does not grow with this process's heap. With `kind` `'native'` that is the C
 * helper (a `vfork()` + `execve()` per script: about half the CPU of a spawn from Node),
 * or, when it is not built or cannot start, the Node one (`spawn-helper.ts`); both speak
 * `spawn-protocol.ts`. The helper starts on first use and again after it dies; it does not
 * keep this process alive.
 */
export class HelperSpawner implements Spawner {
  readonly kind: HelperKind;
  /** The kind running now (`'node'` after a native helper could not start). */
  #runningKind: HelperKind | undefined;
  #nativeFailed = false;
  #helper: ChildProcess | undefined;
  #ready: Promise<string> | undefined;
  #jobs = new Map<number, Job>();
  #nextId = 1;
  /** Jobs whose exit is still to be reported: while any, the IPC channel keeps this process alive. */
  #running = 0;

  constructor(kind: HelperKind = 'node') {
    this.kind = kind;
  }

  /** The helper in use once started: `'native'`, or `'node'` (asked for, or the fallback). */
  get helperKind(): HelperKind | undefined {
    return this.#runningKind;
  }

  async spawn(spec: ScriptSpec, onStderr: (text: string) => void): Promise<ScriptProcess> {
    const socketPath = await this.#start();
    const id = this.#nextId++;
    const socket = createConnection({ path: socketPath, allowHalfOpen: true });
    const input = spec.stdin ? createConnection({ path: socketPath, allowHalfOpen: true }) : null;
    let settle!: (exit: ScriptExit) => void;
    const exited = new Promise<ScriptExit>((resolve) => (settle = resolve));
    const started = new Promise<void>((resolve, reject) => {
      let held: boolean = this.#hold(1);
      const letGo = () => held && !(held = false) && this.#hold(-1);
      const failed = (error: Error) => {
        letGo();
        settle({ code: null, signal: null, error });
        reject(error);
      };
      // Once started, a socket error (a script that exits without reading its stdin resets
      // it) is no failure to start: the exit comes from the helper.
      const started = () => {
        socket.off('error', failed);
        input?.off('error', failed);
        resolve();
      };
      this.#jobs.set(id, { started, failed, exited: (exit) => (letGo(), settle(exit)), onStderr });
      socket.once('error', failed);
      socket.end(encodeSpec({ ...spec, id })); // nothing more goes this way
      input?.once('error', failed);
      input?.write(`i${id}\n`);
    });
    // Without stdin nothing waits on the start: a failure ends stdout with no output.
    if (input === null) started.catch(() => socket.destroy());
    else
      await started.catch((error: unknown) => {
        this.#jobs.delete(id);
        socket.destroy();
        input.destroy();
        throw error;
      });
    // A script that closes early is not an error here; the relay sees the end of output.
    socket.on('error', () => {});
    input?.on('error', () => {});
    return {
      stdin: input,
      stdout: socket,
      exited,
      kill: (signal) => this.#jobs.has(id) && this.#send({ t: 'kill', id, signal }),
      release: () => this.#jobs.delete(id),
    };
  }

  async close(): Promise<void> {
    const helper = this.#helper;
    if (helper === undefined || helper.exitCode !== null) return;
    const gone = new Promise((resolve) => helper.once('exit', resolve));
    helper.ref();
    helper.disconnect();
    await gone;
  }

  /** Counts a job in (+1) or out (-1); returns true. */
  #hold(delta: number): true {
    this.#running = Math.max(0, this.#running + delta);
    const channel = this.#helper?.channel;
    if (this.#running === 0) channel?.unref();
    else if (this.#running === 1 && delta === 1) channel?.ref();
    return true;
  }

  #send(message: ServerMessage): void {
    if (this.#helper?.connected) this.#helper.send(message);
  }

  #start(): Promise<string> {
    this.#ready ??= this.#launch().catch((error: unknown) => {
      if (this.#runningKind !== 'native') throw error;
      this.#nativeFailed = true; // e.g. built for another machine: the Node helper from now on
      warnFallback(`could not start (${String((error as Error).message ?? error)})`);
      this.#ready = undefined;
      return this.#start();
    });
    return this.#ready;
  }

  #launch(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const native = this.kind === 'native' && !this.#nativeFailed ? nativeHelperPath() : undefined;
      if (this.kind === 'native' && !this.#nativeFailed && native === undefined && process.platform === 'linux')
        warnFallback('is not built');
      this.#runningKind = native === undefined ? 'node' : 'native';
      const stdio = ['ignore', 'inherit', 'inherit', 'ipc'] as const;
      const helper =
        native === undefined
          ? fork(helperPath(), [], { execArgv: HELPER_ARGV, stdio: [...stdio] })
          : spawn(native, [], { stdio: [...stdio], serialization: 'json' });
      this.#helper = helper;
      helper.on('message', (message: HelperMessage) => {
        if (message.t !== 'ready') return this.#onMessage(message);
        // From here on the helper does not keep this process alive; running scripts do.
        helper.unref();
        helper.channel?.unref();
        resolve(message.socketPath);
      });
      helper.once('error', reject);
      helper.once('exit', () => this.#onHelperExit(helper, reject));
    });
  }

  #onMessage(message: Exclude<HelperMessage, { t: 'ready' }>): void {
    const job = this.#jobs.get(message.id);
    if (job === undefined) return;
    if (message.t === 'spawned') job.started();
    else if (message.t === 'stderr') job.onStderr(message.text);
    else if (message.t === 'exit') job.exited({ code: message.code, signal: message.signal });
    else job.failed(Object.assign(new Error(message.message), { code: message.code }));
  }

  /** The helper died: fail what waits on it; the next spawn starts a new one. */
  #onHelperExit(helper: ChildProcess, reject: (error: Error) => void): void {
    if (this.#helper !== helper) return;
    this.#helper = undefined;
    this.#ready = undefined;
    const error = Object.assign(new Error('the CGI spawn helper exited'), { code: 'EHELPER' });
    reject(error);
    const jobs = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const job of jobs) {
      job.exited({ code: null, signal: 'SIGKILL', error });
      job.failed(error);
    }
  }
}

/**
 * DirectSpawner starts scripts from this process with pipes. Simple, but each spawn forks
 * this process, which slows down as its heap grows; kept for comparison and for platforms
 * where the helper cannot run.
 */
export class DirectSpawner implements Spawner {
  async spawn(spec: ScriptSpec, onStderr: (text: string) => void): Promise<ScriptProcess> {
    const child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
      ...(spec.uid === undefined ? {} : { uid: spec.uid, gid: spec.gid }),
    });
    const exited = new Promise<ScriptExit>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.stdin?.on('error', () => {});
    child.stderr!.setEncoding('utf8').on('data', onStderr);
    let released = false;
    return {
      stdin: child.stdin,
      stdout: child.stdout!,
      exited,
      kill: (signal) => {
        if (!released) killGroup(child.pid!, signal);
      },
      release: () => (released = true),
    };
  }

  async close(): Promise<void> {}
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group has ended.
  }
}

/**
 * The native helper built for this machine (`dist/internal/native-spawn-helper`, by
 * `pnpm build` or the package's `postinstall`), if there is one this process may execute.
 */
export function nativeHelperPath(): string | undefined {
  const built = fileURLToPath(new URL('../../dist/internal/native-spawn-helper', import.meta.url));
  const beside = fileURLToPath(new URL('./native-spawn-helper', import.meta.url));
  return [beside, built].find(executable);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Says once per process that the native helper was asked for but the Node one runs instead. */
let warned = false;
function warnFallback(why: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(
    `the native CGI spawn helper ${why}; using the Node helper (about twice the CPU per script). ` +
      'Build it with `node scripts/build-native.mjs` in @httpstack/cgihttpserver (needs cc on Linux).',
    { code: 'HTTPSTACK_NATIVE_HELPER' },
  );
}

/** The helper's compiled file; from the sources (under a test runner), the built one. */
function helperPath(): string {
  const beside = fileURLToPath(new URL('./spawn-helper.js', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../dist/internal/spawn-helper.js', import.meta.url));
}
